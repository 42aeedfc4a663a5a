"""Where accepted data is kept so that a restart resumes the day (memory backend)."""
