'use strict';
// A GET /v1/fleet answer (two units, one without BM figures), shared by fleet.test.js and the
// fleet panel's browser test.

const UNIT = {
  elexon_bm_unit: 'T_LKSDB-1', bm_unit_name: 'Lakeside  BESS', lead_party_name: 'Lakeside Energy Storage Ltd',
  lead_party_id: 'LAKESIDE', bm_unit_type: 'T', registration: 'transmission-connected primary BM unit',
  gsp_group_id: null, region: 'transmission-connected (no GSP group)', generation_capacity_mw: 105,
  import_capacity_mw: 105, fleet_share_frac: 0.6, route_to_market: 'site company', route_source: 'registry',
  bm_offer_volume_mwh: 148.367, bm_bid_volume_mwh: -93.992, bm_cashflow_gbp: 12345.6, bm_cashflow_gbp_per_mw: 117.6,
  bm_missing_reason: null, dynamic_response_revenue_gbp: null, dynamic_response_missing_reason: 'no unit results',
};
const ABSENT = Object.assign({}, UNIT, {
  elexon_bm_unit: 'E_DOLLB-1', lead_party_name: 'Dollymans Storage Limited', generation_capacity_mw: 70,
  fleet_share_frac: 0.4, route_to_market: null, bm_cashflow_gbp: null, bm_cashflow_gbp_per_mw: null,
  bm_missing_reason: 'BOD not loaded for 2026-09-30 (gbess ingest elexon bod)',
});
const GROUP = { units: 2, generation_capacity_mw: 175, import_capacity_mw: 175, fleet_share_frac: 1,
  bm_offer_volume_mwh: null, bm_bid_volume_mwh: null, bm_cashflow_gbp: null, bm_cashflow_gbp_per_mw: null,
  bm_missing_reason: '1 unit(s) without BM cashflow' };
const DOCUMENT = {
  registry: { source: 'Elexon reference/bmunits/all', units: 2 },
  period: { from: '2026-09-30', to: '2026-09-30' },
  units: [UNIT, ABSENT],
  by_lead_party: [Object.assign({ lead_party_name: 'Lakeside Energy Storage Ltd' }, GROUP)],
  by_region: [Object.assign({ region: 'transmission-connected (no GSP group)' }, GROUP)],
  by_route: [Object.assign({ route_to_market: 'site company' }, GROUP)],
  monthly: [], registration_types: {}, routes: [],
  dynamic_response: { available: false, reason: 'unit-level DC/DM/DR results are not in the warehouse' },
  warnings: [],
};

module.exports = { UNIT, ABSENT, GROUP, DOCUMENT };
