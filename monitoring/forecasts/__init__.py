"""Time-to-breach forecasts: the Theil–Sen model (forecast) and the hourly refresh that stores them."""
