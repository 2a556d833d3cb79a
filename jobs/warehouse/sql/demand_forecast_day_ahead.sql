-- NESO day-ahead demand forecast cardinal points [MW] for target days @from_date to @to_date
-- inclusive, every vintage (forecast_timestamp = when it was issued, UTC), in issue order.
-- A forecaster keeps, per target day, the latest vintage issued before its decision time.
SELECT
  target_date,
  forecast_timestamp,
  cardinal_point,
  cp_type,
  cp_start_hhmm,
  cp_end_hhmm,
  forecast_demand_mw
FROM demand_forecast_day_ahead
WHERE target_date BETWEEN @from_date AND @to_date
ORDER BY target_date, forecast_timestamp, cp_start_hhmm, cardinal_point
