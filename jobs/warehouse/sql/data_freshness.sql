-- Last loaded period of each market series (UTC) and the latest load time, for "data as of"
-- stamps taken from the data rather than the clock.
SELECT 'system_prices' AS dataset, MAX(interval_start) AS last_interval_start FROM system_prices
UNION ALL
SELECT 'market_index', MAX(interval_start) FROM market_index
UNION ALL
SELECT 'dynamic_response_results', MAX(delivery_start) FROM dynamic_response_results
UNION ALL
SELECT 'quick_reserve_results', MAX(delivery_start) FROM quick_reserve_results
ORDER BY dataset
