// The seam between Swift and libv4l2 / the V4L2 ioctls. Swift cannot call the variadic
// v4l2_open nor expand the _IOWR request macros; these wrappers do only that.
#ifndef CWAYCUE_V4L2_H
#define CWAYCUE_V4L2_H

#include <linux/videodev2.h>

#ifdef __cplusplus
extern "C" {
#endif

/// `v4l2_open(path, flags)` without the variadic mode argument.
int wcv4l2_open(const char *path, int flags);

/// `v4l2_ioctl(fd, request, argument)` without the variadic argument list.
int wcv4l2_ioctl(int fd, unsigned long request, void *argument);

/// The ioctl request numbers WayCue uses, as plain constants for Swift.
unsigned long wcv4l2_request_querycap(void);
unsigned long wcv4l2_request_enum_fmt(void);
unsigned long wcv4l2_request_enum_framesizes(void);
unsigned long wcv4l2_request_enum_frameintervals(void);
unsigned long wcv4l2_request_g_fmt(void);
unsigned long wcv4l2_request_s_fmt(void);
unsigned long wcv4l2_request_g_parm(void);
unsigned long wcv4l2_request_s_parm(void);
unsigned long wcv4l2_request_reqbufs(void);
unsigned long wcv4l2_request_querybuf(void);
unsigned long wcv4l2_request_qbuf(void);
unsigned long wcv4l2_request_dqbuf(void);
unsigned long wcv4l2_request_streamon(void);
unsigned long wcv4l2_request_streamoff(void);
unsigned long wcv4l2_request_queryctrl(void);
unsigned long wcv4l2_request_g_ctrl(void);
unsigned long wcv4l2_request_s_ctrl(void);

#ifdef __cplusplus
}
#endif
#endif
