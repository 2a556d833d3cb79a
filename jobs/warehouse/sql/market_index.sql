-- Market Index Data per provider and settlement period, UK local days @from_date to @to_date
-- inclusive. A period with zero traded volume is "no trade": its price is NULL, not £0/MWh.
SELECT
  interval_start,
  settlement_date,
  settlement_period,
  data_provider,
  IF(market_index_volume_mwh = 0, NULL, market_index_price_gbp_per_mwh)
    AS market_index_price_gbp_per_mwh,
  market_index_volume_mwh
FROM market_index
WHERE settlement_date BETWEEN @from_date AND @to_date
ORDER BY interval_start, data_provider
