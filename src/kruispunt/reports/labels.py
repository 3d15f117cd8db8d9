"""Human labels for the ids that appear in charts and tables, in one place.

Results carry display names for clusters (``cluster_name``) and sites (``site_name``); the
other ids (sectors, products, carriers, government cash flows, cost items, route families,
resources, pools of scarce capacity, switch reasons) get their label here. An id without a
label is shown with its underscores replaced by spaces, so a new id never breaks a chart; a
test checks that every id of the embedded data package and of the instrument registry has a
label.

Examples
--------
>>> label("flow", "sde_outlay")
'SDE++ subsidies paid'
>>> label("sector", "a_new_sector")
'a new sector'
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["LABELS", "Kind", "label"]

Kind = Literal[
    "sector",
    "product",
    "carrier",
    "flow",
    "item",
    "family",
    "resource",
    "pool",
    "reason",
    "column",
    "term",
]

LABELS: Final[dict[str, dict[str, str]]] = {
    "sector": {
        "cement_lime": "Cement and lime",
        "ceramics": "Ceramics",
        "chemicals": "Chemicals",
        "fertiliser": "Ammonia and fertiliser",
        "food": "Food and beverages",
        "glass": "Glass and mineral wool",
        "industrial_gases": "Hydrogen and industrial gases",
        "non_ferrous": "Non-ferrous metals",
        "other_industry": "Other manufacturing",
        "paper": "Paper and board",
        "refining": "Oil refining",
        "steel": "Iron and steel",
    },
    "product": {
        "aluminium": "Aluminium",
        "ammonia": "Ammonia",
        "carbon_black": "Carbon black",
        "ceramics": "Ceramic products",
        "chlorine": "Chlorine",
        "clinker": "Cement clinker",
        "crude_steel": "Crude steel",
        "glass": "Glass",
        "hvc": "High-value chemicals",
        "hydrogen": "Hydrogen",
        "lime": "Lime",
        "methanol": "Methanol",
        "paper": "Paper and board",
        "process_heat_high": "Process heat > 500 °C",
        "process_heat_low": "Process heat < 200 °C",
        "process_heat_medium": "Process heat 200–500 °C",
        "refinery_throughput": "Refinery throughput",
    },
    "carrier": {
        "ammonia_import": "Imported low-carbon ammonia",
        "ammonia_import_grey": "Imported grey ammonia",
        "bio_naphtha": "Bio-naphtha (cracker feed)",
        "biomass": "Solid biomass",
        "coal": "Coal and coke",
        "coking_coal": "Coking coal",
        "electricity": "Electricity",
        "hbi": "Imported green HBI (H2-DRI)",
        "heat": "Bought steam and heat",
        "hydrogen": "Hydrogen",
        "iron_ore": "Iron ore",
        "methanol_import": "Imported methanol",
        "naphtha": "Naphtha",
        "natural_gas": "Natural gas",
        "oil": "Oil products and refinery fuel",
        "pyrolysis_oil": "Pyrolysis oil from plastic waste",
        "scrap": "Steel scrap",
    },
    "flow": {
        "cbam_revenue": "CBAM on imported intermediates",
        "cbam_import_revenue": "CBAM on imported products",
        "ccfd_outlay": "CCfD payments",
        "co2_levy_revenue": "CO2-heffing revenue",
        "committed_outlay": "Public money committed to date",
        "committed_plant_outlay": "Public money committed to a plant (maatwerk)",
        "committed_sde_outlay": "SDE++ awarded to date (Porthos), paid by the SDE++ rule",
        "energy_tax_revenue": "Energy tax revenue",
        "grant_outlay": "Capex grants paid",
        "ikc_outlay": "Indirect cost compensation paid",
        "network_tariff_relief_outlay": "Network tariff relief paid",
        "cisaf_outlay": "CISAF power-price relief paid",
        "rfnbo_shortfall_revenue": "RFNBO obligation: shortfall paid at the cap",
        "sde_outlay": "SDE++ subsidies paid",
    },
    "item": {
        "capex": "Investment (capex)",
        "opex": "Operating costs",
        "energy": "Energy and feedstock",
        "carbon": "EU ETS and CBAM",
        "levy": "CO2-heffing",
        "tax": "Energy tax",
        "network": "Network tariffs",
        "obligation": "RFNBO obligation",
        "subsidies": "Subsidies received",
    },
    "family": {
        "incumbent": "Current route",
        "efficiency": "Efficiency",
        "electrification": "Electrification",
        "ccs": "CCS",
        "hydrogen": "Hydrogen",
        "import": "Import of the intermediate",
        "circular": "Circular or biobased",
        "closure": "Closed",
    },
    "resource": {
        "grid": "Grid capacity for new load",
        "co2_storage": "CO2 storage",
        "hydrogen": "Hydrogen network",
        "biomass": "Biomass supply",
    },
    "pool": {  # a pool's name (after "<resource>/"); a cluster's own pool shows the cluster
        "aramis": "Aramis",
        "porthos": "Porthos",
        "northern_lights_yara": "Northern Lights (Yara's contract)",
        "port_of_moerdijk": "Port of Moerdijk",
        "tennet_groningen": "TenneT Groningen",
        "tennet_midden_zuid_limburg": "TenneT Midden- and Zuid-Limburg",
        "tennet_noord_brabant": "TenneT Noord-Brabant",
        "tennet_noord_limburg": "TenneT Noord-Limburg",
        "tennet_utrecht_gelderland_flevopolder": "TenneT Utrecht, Gelderland, Flevopolder",
        "tennet_zuid_holland": "TenneT Zuid-Holland",
        "air_liquide_elygator": "Air Liquide ELYgator",
        "air_liquide_total_zeeland": "Air Liquide and TotalEnergies, Zeeland",
        "eneco_electrolyser": "Eneco electrolyser",
        "hycc_h2next": "HyCC H2Next",
        "rwe_eemshydrogen": "RWE Eemshydrogen",
        "shell_holland_hydrogen_1": "Shell Holland Hydrogen 1",
        "uniper_h2maasvlakte": "Uniper H2Maasvlakte",
        "volth2_delfzijl": "VoltH2 Delfzijl",
        "national": "National supply",
    },
    "reason": {
        "none": "no change",
        "reinvestment": "reinvestment moment",
        "off_cycle_switch": "switch before the reinvestment moment",
        "closure": "closure",
        "import_intermediate": "import of the intermediate",
        "waiting_for_infrastructure": "waiting for infrastructure",
        "committed_project": "project already decided",
    },
    "term": {
        "revenue": "Revenue",
        "operating": "Operating cost",
        "biomass_supply": "Biomass supply step",
        "energy_tax": "Energy tax",
        "ets": "EU ETS",
        "cbam": "CBAM",
        "co2_levy": "CO2-heffing",
        "ikc": "IKC",
        "network_tariff": "Network tariff",
        "network_tariff_relief": "Network tariff relief",
        "cisaf": "CISAF power-price relief",
        "green_premium": "Green premium",
        "rfnbo_mandate": "RFNBO obligation",
        "green_procurement": "Green public procurement",
        "green_label": "Label premium",
        "sde": "SDE++",
        "ccfd": "CCfD",
        "grants": "Capex grant",
        "fixed": "Fixed opex",
        "capital": "Capital annuity",
        "writeoff": "Write-off",
        "support": "Support awarded",
        "value": "Value",
    },
    "column": {
        "site": "Site",
        "cluster": "Cluster",
        "sector": "Sector",
        "products": "Products",
        "routes": "Routes in the year",
        "producing": "Producing",
        "direct_emissions_ktco2": "Direct emissions",
        "captured_ktco2": "CO2 captured",
        "indirect_emissions_ktco2": "Indirect emissions",
        "electricity_gwh": "Electricity",
        "hydrogen_gwh": "Hydrogen",
        "capex_cumulative_meur": "Investment to date",
        "subsidies_meur": "Subsidies received",
        "net_cost_meur": "Net cost",
    },
}
"""Kind -> id -> label."""


def label(kind: Kind, ident: str) -> str:
    """Display label of ``ident`` of ``kind`` (the id with spaces when it has none)."""
    return LABELS[kind].get(ident, ident.replace("_", " "))
