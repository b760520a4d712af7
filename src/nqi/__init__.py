"""NQI One-Stop: quality infrastructure one-stop service platform."""
