-- Dynamic response clearing prices by calendar month of the EFA day and service, for EFA
-- days @from_date to @to_date: time-weighted mean price [£/MW/h] (blocks weighted by their
-- hours, so the 3 h and 5 h clock-change blocks count as such), min/max, mean cleared MW.
SELECT
  DATE_TRUNC(efa_date, MONTH) AS month,
  service,
  COUNT(*) AS blocks,
  SUM(clearing_price_gbp_per_mw_per_h * duration_h) / SUM(duration_h)
    AS mean_clearing_price_gbp_per_mw_per_h,
  MIN(clearing_price_gbp_per_mw_per_h) AS min_clearing_price_gbp_per_mw_per_h,
  MAX(clearing_price_gbp_per_mw_per_h) AS max_clearing_price_gbp_per_mw_per_h,
  AVG(cleared_volume_mw) AS mean_cleared_volume_mw
FROM dynamic_response_results
WHERE efa_date BETWEEN @from_date AND @to_date
GROUP BY month, service
ORDER BY month, service
