#include "CWayCueV4L2.h"

#include <fcntl.h>
#include <libv4l2.h>
#include <sys/ioctl.h>

#include <pthread.h>
#include <stdio.h>

// libv4l2 prints errors to stderr unless given a log file; WayCue reports errors itself.
static pthread_once_t wcv4l2_log_once = PTHREAD_ONCE_INIT;
static void wcv4l2_silence_log(void) {
    if (v4l2_log_file == NULL) v4l2_log_file = fopen("/dev/null", "w");
}

int wcv4l2_open(const char *path, int flags) {
    pthread_once(&wcv4l2_log_once, wcv4l2_silence_log);
    return v4l2_open(path, flags);
}
int wcv4l2_ioctl(int fd, unsigned long request, void *argument) { return v4l2_ioctl(fd, request, argument); }

unsigned long wcv4l2_request_querycap(void) { return VIDIOC_QUERYCAP; }
unsigned long wcv4l2_request_enum_fmt(void) { return VIDIOC_ENUM_FMT; }
unsigned long wcv4l2_request_enum_framesizes(void) { return VIDIOC_ENUM_FRAMESIZES; }
unsigned long wcv4l2_request_enum_frameintervals(void) { return VIDIOC_ENUM_FRAMEINTERVALS; }
unsigned long wcv4l2_request_g_fmt(void) { return VIDIOC_G_FMT; }
unsigned long wcv4l2_request_s_fmt(void) { return VIDIOC_S_FMT; }
unsigned long wcv4l2_request_g_parm(void) { return VIDIOC_G_PARM; }
unsigned long wcv4l2_request_s_parm(void) { return VIDIOC_S_PARM; }
unsigned long wcv4l2_request_reqbufs(void) { return VIDIOC_REQBUFS; }
unsigned long wcv4l2_request_querybuf(void) { return VIDIOC_QUERYBUF; }
unsigned long wcv4l2_request_qbuf(void) { return VIDIOC_QBUF; }
unsigned long wcv4l2_request_dqbuf(void) { return VIDIOC_DQBUF; }
unsigned long wcv4l2_request_streamon(void) { return VIDIOC_STREAMON; }
unsigned long wcv4l2_request_streamoff(void) { return VIDIOC_STREAMOFF; }
unsigned long wcv4l2_request_queryctrl(void) { return VIDIOC_QUERYCTRL; }
unsigned long wcv4l2_request_g_ctrl(void) { return VIDIOC_G_CTRL; }
unsigned long wcv4l2_request_s_ctrl(void) { return VIDIOC_S_CTRL; }
