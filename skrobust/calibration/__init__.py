"""InterceptCalibrator: keep a noisy-tag model's weights, re-fit its output per tag."""

from skrobust.calibration._calibrator import InterceptCalibrator

__all__ = ["InterceptCalibrator"]
