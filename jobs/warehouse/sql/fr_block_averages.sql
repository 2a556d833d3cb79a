-- Mean dynamic response clearing price [£/MW/h] by EFA block and service over EFA days
-- @from_date to @to_date (a heat-map table: blocks down, services across once pivoted).
SELECT
  efa_block,
  service,
  COUNT(*) AS blocks,
  AVG(clearing_price_gbp_per_mw_per_h) AS mean_clearing_price_gbp_per_mw_per_h,
  AVG(cleared_volume_mw) AS mean_cleared_volume_mw
FROM dynamic_response_results
WHERE efa_date BETWEEN @from_date AND @to_date
GROUP BY efa_block, service
ORDER BY efa_block, service
