-- Battery BM units by GSP group (NULL group: units registered without one, e.g. virtual
-- units): unit count, virtual vs direct, generation and import capacity [MW].
SELECT
  gsp_group_id,
  gsp_group_name,
  COUNT(*) AS units,
  COUNTIF(bm_unit_type = 'V') AS virtual_units,
  COUNTIF(bm_unit_type != 'V') AS direct_units,
  SUM(generation_capacity_mw) AS generation_capacity_mw,
  -SUM(demand_capacity_mw) AS import_capacity_mw
FROM bm_units
GROUP BY gsp_group_id, gsp_group_name
ORDER BY gsp_group_id
