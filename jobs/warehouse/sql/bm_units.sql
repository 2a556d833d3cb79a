-- Every BM unit in the registry (snake_case Elexon reference/bmunits fields), by unit id.
SELECT
  national_grid_bm_unit,
  elexon_bm_unit,
  eic,
  fuel_type,
  lead_party_name,
  lead_party_id,
  bm_unit_type,
  fpn_flag,
  bm_unit_name,
  demand_capacity_mw,
  generation_capacity_mw,
  production_or_consumption_flag,
  transmission_loss_factor,
  credit_qualifying_status,
  gsp_group_id,
  gsp_group_name,
  interconnector_id
FROM bm_units
ORDER BY elexon_bm_unit
