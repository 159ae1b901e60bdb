DROP TABLE session_windows;
