-- DC/DM/DR clearing results per EFA block and service for EFA days @from_date to @to_date
-- inclusive (both the EAC results and the 2021-2023 summary), in delivery order.
-- Rows with 0 MW cleared carry the published price (0): nothing cleared, not a £0 price.
SELECT
  efa_date,
  efa_block,
  service,
  delivery_start,
  delivery_end,
  duration_h,
  cleared_volume_mw,
  clearing_price_gbp_per_mw_per_h,
  auction_id
FROM dynamic_response_results
WHERE efa_date BETWEEN @from_date AND @to_date
ORDER BY delivery_start, service
