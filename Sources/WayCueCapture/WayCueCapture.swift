/// WayCueCapture: frame sources (V4L2 cameras, image folders, MJPEG, Y4M, ffmpeg) and recording.
public enum WayCueCapture {}
