-- Quick Reserve (PQR/NQR) clearing results per half hour whose delivery starts on UK local
-- settlement days @from_date to @to_date inclusive, in delivery order.
SELECT
  delivery_start,
  delivery_end,
  settlement_date,
  settlement_period,
  service,
  cleared_volume_mw,
  clearing_price_gbp_per_mw_per_h,
  auction_id
FROM quick_reserve_results
WHERE settlement_date BETWEEN @from_date AND @to_date
ORDER BY delivery_start, service
