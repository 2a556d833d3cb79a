-- Per UK local settlement day @from_date to @to_date: system price [£/MWh] min/mean/max and
-- negative-price periods, and the APX market index [£/MWh] min/mean/max over traded periods
-- (zero-volume "no trade" periods excluded). Days without system prices are omitted.
WITH sp AS (
  SELECT
    settlement_date,
    COUNT(*) AS periods,
    MIN(system_sell_price_gbp_per_mwh) AS system_price_min_gbp_per_mwh,
    AVG(system_sell_price_gbp_per_mwh) AS system_price_mean_gbp_per_mwh,
    MAX(system_sell_price_gbp_per_mwh) AS system_price_max_gbp_per_mwh,
    COUNTIF(system_sell_price_gbp_per_mwh < 0) AS negative_price_periods
  FROM system_prices
  WHERE settlement_date BETWEEN @from_date AND @to_date
  GROUP BY settlement_date
),
apx AS (
  SELECT
    settlement_date,
    MIN(market_index_price_gbp_per_mwh) AS market_index_min_gbp_per_mwh,
    AVG(market_index_price_gbp_per_mwh) AS market_index_mean_gbp_per_mwh,
    MAX(market_index_price_gbp_per_mwh) AS market_index_max_gbp_per_mwh,
    COUNT(*) AS market_index_traded_periods
  FROM market_index
  WHERE settlement_date BETWEEN @from_date AND @to_date
    AND data_provider = 'APXMIDP'
    AND market_index_volume_mwh > 0
  GROUP BY settlement_date
)
SELECT
  sp.settlement_date,
  sp.periods,
  sp.system_price_min_gbp_per_mwh,
  sp.system_price_mean_gbp_per_mwh,
  sp.system_price_max_gbp_per_mwh,
  sp.negative_price_periods,
  apx.market_index_min_gbp_per_mwh,
  apx.market_index_mean_gbp_per_mwh,
  apx.market_index_max_gbp_per_mwh,
  COALESCE(apx.market_index_traded_periods, 0) AS market_index_traded_periods
FROM sp
LEFT JOIN apx USING (settlement_date)
ORDER BY sp.settlement_date
