"""Detectors behind one small interface (base.Detector): motion, vehicle tracks, left material."""
