-- Settlement periods per price regime on UK local days @from_date to @to_date: below £20,
-- £20 to below £80, £80 to £150, above £150 per MWh; for the system price and for the APX
-- market index (traded periods only). One row per regime, in price order.
WITH regimes AS (
  SELECT 1 AS regime_order, 'below £20' AS regime UNION ALL
  SELECT 2, '£20–80' UNION ALL
  SELECT 3, '£80–150' UNION ALL
  SELECT 4, 'above £150'
),
prices AS (
  SELECT 'system' AS series, system_sell_price_gbp_per_mwh AS price_gbp_per_mwh
  FROM system_prices
  WHERE settlement_date BETWEEN @from_date AND @to_date
  UNION ALL
  SELECT 'index', market_index_price_gbp_per_mwh
  FROM market_index
  WHERE settlement_date BETWEEN @from_date AND @to_date
    AND data_provider = 'APXMIDP'
    AND market_index_volume_mwh > 0
),
classified AS (
  SELECT
    series,
    CASE
      WHEN price_gbp_per_mwh < 20 THEN 1
      WHEN price_gbp_per_mwh < 80 THEN 2
      WHEN price_gbp_per_mwh <= 150 THEN 3
      ELSE 4
    END AS regime_order
  FROM prices
)
SELECT
  r.regime,
  COUNTIF(c.series = 'system') AS system_price_periods,
  COUNTIF(c.series = 'index') AS market_index_periods
FROM regimes AS r
LEFT JOIN classified AS c USING (regime_order)
GROUP BY r.regime_order, r.regime
ORDER BY r.regime_order
