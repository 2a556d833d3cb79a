-- Battery BM units by lead party: unit count, virtual (bm_unit_type 'V') vs direct units,
-- total generation capacity [MW] and total demand capacity as a positive import [MW].
SELECT
  lead_party_name,
  lead_party_id,
  COUNT(*) AS units,
  COUNTIF(bm_unit_type = 'V') AS virtual_units,
  COUNTIF(bm_unit_type != 'V') AS direct_units,
  SUM(generation_capacity_mw) AS generation_capacity_mw,
  -SUM(demand_capacity_mw) AS import_capacity_mw
FROM bm_units
GROUP BY lead_party_name, lead_party_id
ORDER BY generation_capacity_mw DESC, lead_party_name
