-- System sell and buy prices [£/MWh] and net imbalance volume [MWh] per settlement period,
-- for UK local settlement days @from_date to @to_date inclusive, in time order.
SELECT
  interval_start,
  settlement_date,
  settlement_period,
  system_sell_price_gbp_per_mwh,
  system_buy_price_gbp_per_mwh,
  net_imbalance_volume_mwh
FROM system_prices
WHERE settlement_date BETWEEN @from_date AND @to_date
ORDER BY interval_start
