"""A grid zone: room for new load open only to the sites in it, taken when their cluster's
grid is full (``sites.csv`` ``grid_zone``; TenneT's release on the Noord-Brabant grid).

Toy (``kruispunt.testing.toy_inputs``): one plant whose electric route needs
1e6 x 10.8 / 3.6 / 8760 = 342.5 MW of new load at a high EUA. Its cluster's grid has 0 MW
until 2030 and 400 MW from 2030; a zone pool has 400 MW from 2027.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest
import xarray as xr

import kruispunt
from kruispunt.catalogue import Catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.testing import TOY_YEARS, toy_inputs

NEED_MW = 1.0e6 * 10.8 / 3.6 / 8760


def _with_zone(inp: ModelInputs, zone_open: bool) -> ModelInputs:
    """The toy's pools with a grid zone (400 MW from 2027) after the cluster's grid (0 MW
    until 2030, 400 MW from 2030); ``zone_open``: whether the plant's site is in the zone."""
    pools = inp.pools
    S, Q, Y = pools.capacity.shape
    cap = np.concatenate([pools.capacity, np.zeros((S, 1, Y))], axis=1)
    cap[:, 0] = np.where(TOY_YEARS >= 2030, 400.0, 0.0)
    cap[:, Q] = np.where(TOY_YEARS >= 2027, 400.0, 0.0)
    plants = np.concatenate([pools.plants, np.full((1, pools.plants.shape[1]), zone_open)])
    return replace(
        inp,
        pools=replace(
            pools,
            names=(*pools.names, "grid/zone"),
            resource=np.append(pools.resource, 0),
            host=np.append(pools.host, 0),
            capacity=cap,
            access=np.concatenate([pools.access, pools.access[:, :1]], axis=1),
            plants=plants,
            step_quantity=np.concatenate([pools.step_quantity, pools.step_quantity[:, :1]], 1),
            step_price=np.concatenate([pools.step_price, pools.step_price[:, :1]], axis=1),
        ),
    )


@pytest.mark.parametrize(("zone_open", "first"), [(True, 2027), (False, 2030)])
def test_a_zone_serves_its_sites_while_the_cluster_is_full(zone_open: bool, first: int) -> None:
    """A plant in the zone switches when the zone has room (2027), one outside it waits for
    its cluster's relief (2030); the zone never holds more than its room."""
    ds = simulate(_with_zone(toy_inputs(eua=200.0), zone_open)).dataset
    route = ds["route_index"].sel(scenario="s0", plant="site0/widget").values
    years = list(TOY_YEARS)
    assert (route[: years.index(first)] == 0).all()
    assert route[years.index(first)] == 1
    use = ds["infra_use"].sel(scenario="s0", resource="grid").values.sum(axis=0)
    capacity = ds["infra_capacity"].sel(scenario="s0", resource="grid").values.sum(axis=0)
    assert abs(use[years.index(first)] - NEED_MW) < 1e-6
    assert (use <= capacity + 1e-6).all()


@pytest.fixture(scope="module")
def current(cat: Catalogue) -> kruispunt.Results:
    return kruispunt.run(["current-policy"], catalogue=cat)


def _first_year(ds: xr.Dataset, plant: str, *routes: str, prefix: bool = False) -> int | None:
    """First year ``plant`` runs one of ``routes`` (with ``prefix``: a route whose id starts
    with one of them) in one scenario's results; None if never."""
    names = ds["route"].values[ds["route_index"].sel(plant=plant).values].astype(str)
    if prefix:
        on = np.any([np.char.startswith(names, r) for r in routes], axis=0)
    else:
        on = np.isin(names, routes)
    return int(ds["year"].values[int(np.argmax(on))]) if on.any() else None


def _decided(ds: xr.Dataset) -> npt.NDArray[np.bool_]:
    """The plants that switch on a decided project some year (their connection was contracted
    with the decision), in one scenario's results."""
    decided = list(ds["reason"].values).index("committed_project")
    return np.asarray((ds["switch_reason"].values == decided).any(axis=1))


def _new_load(ds: xr.Dataset, here: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Electric load the plants ``here`` add over their first year's, summed, per year [MW]."""
    peak = ds["peak_load"].values[here]  # (plants, years)
    return np.asarray(np.maximum(peak - peak[:, :1], 0.0).sum(axis=0))


def test_noord_brabant_sites_electrify_on_the_released_room(
    cat: Catalogue, current: kruispunt.Results
) -> None:
    """TenneT's release of 805 MW on the Noord-Brabant grid (Dec 2025: 200 MW at once, 200
    more in 2026, 405 in 2027; infrastructure.csv tennet_noord_brabant) serves the Brabant
    sites of Cluster 6 before the cluster's relief (2034): FrieslandCampina Veghel and
    Bavaria Lieshout take hybrid boilers (with or without a heat pump
    beside them) from 2028 (before: 2034), while Cluster 6's sites
    elsewhere (A-ware Heerenveen) still wait for 2034. The Zeeland cluster's nine sites in
    Noord-Brabant (Bergen op Zoom, Roosendaal, Steenbergen) hang on the same grid: they draw
    on the zone, not on the province of Zeeland's room. The zone's new load stays within its
    room every year before 2034."""
    ds = current.dataset.sel(scenario="current-policy")
    routes = ds["route"].values
    years = [int(y) for y in ds["year"].values]
    hybrids = ("hybrid_boiler_low", "heat_pump_hybrid_low_food")
    assert _first_year(ds, "frieslandcampina_veghel/process_heat_low", *hybrids) == 2028
    assert _first_year(ds, "bavaria_lieshout/process_heat_low", *hybrids) == 2028
    heerenveen = ds["route_index"].sel(plant="a_ware_heerenveen/process_heat_low").values
    assert (routes[heerenveen[: years.index(2034)]] == "gas_boiler_low").all()
    in_brabant = cat.sites.loc[cat.sites["grid_zone"] == "tennet_noord_brabant"]
    zone = set(in_brabant["site_id"])
    assert in_brabant["cluster_id"].value_counts().to_dict() == {"cluster6": 17, "zeeland": 9}
    assert set(in_brabant.loc[in_brabant["cluster_id"] == "zeeland", "municipality"]) == {
        "Bergen op Zoom",
        "Roosendaal",
        "Steenbergen",
    }
    in_zone = np.isin(ds["site"].values, sorted(zone))
    room = np.array([0.0, 200.0, 400.0] + [805.0] * (years.index(2034) - 3))
    new_load = _new_load(ds, in_zone)[: years.index(2034)]
    assert (new_load <= room + 1e-6).all()
    assert new_load[years.index(2028)] > 100.0  # the room is taken, not only open


MOERDIJK = ("ardagh_glass_moerdijk", "basell_moerdijk", "shell_moerdijk")
DRECHTSTEDEN = (
    "asfaltnu_zwijndrecht",
    "ashland_zwijndrecht",
    "chemours_dordrecht",
    "sime_darby_zwijndrecht",
)


def _assert_zone_apart(
    inp: ModelInputs, cluster: str, zone: str, here: npt.NDArray[np.bool_], relief: int
) -> None:
    """The plants ``here`` draw on grid pool ``zone`` and not on their ``cluster``'s; no other
    plant draws on the zone; its room is 0 MW until ``relief`` and not limited by the data
    from then (the data's 1e6 MW, the schema's maximum, read as +inf)."""
    names = list(inp.pools.names)
    c, z = names.index(f"grid/{cluster}"), names.index(f"grid/{zone}")
    assert not inp.pools.plants[c, here].any()
    assert inp.pools.plants[z, here].all()
    assert not inp.pools.plants[z, ~here].any()
    years = list(inp.coords.years)
    cap = inp.pools.capacity[0, z]
    assert (cap[: years.index(relief)] == 0.0).all()
    assert (cap[years.index(relief) :] == np.inf).all()


def test_the_port_of_moerdijk_is_a_zone_apart_from_rotterdam(inp: ModelInputs) -> None:
    """The Rotterdam-Moerdijk grid figures are the Rotterdam port area's, Moerdijk not
    included (nt_rotterdam_grid_2022); Moerdijk's 20 and 150 kV stations connect no new
    customers until TenneT's new 380/150 kV station (in service 2031-2033: 2033, the latest).
    Before Dec 2026 Shell Moerdijk took 513 MW of hybrid heat pumps from 2029 out of the
    Rotterdam port's 1,800 MW. The three Moerdijk sites draw on their zone only; the other
    sites of the cluster on the cluster's pool only, but those in Dordrecht and Zwijndrecht,
    outside TenneT's port area, on Zuid-Holland's zone
    (``test_drechtsteden_sites_draw_on_the_zuid_holland_zone``)."""
    cluster = list(inp.pools.names).index("grid/rotterdam_moerdijk")
    site = np.asarray(inp.coords.plant_site)
    moerdijk = np.isin(site, MOERDIJK)
    drecht = np.isin(site, DRECHTSTEDEN)
    rotterdam = inp.plants.cluster == list(inp.coords.clusters).index("rotterdam_moerdijk")
    assert moerdijk.sum() >= 3 and (rotterdam & ~moerdijk).sum() > 20
    assert inp.pools.plants[cluster, rotterdam & ~moerdijk & ~drecht].all()
    assert not inp.pools.plants[cluster, drecht].any()
    _assert_zone_apart(inp, "rotterdam_moerdijk", "port_of_moerdijk", moerdijk, 2033)


def test_shell_moerdijk_electrifies_once_its_station_is_in(current: kruispunt.Results) -> None:
    """No Moerdijk plant adds electric load before 2033 in current policy (Shell Moerdijk's
    hybrid heat pumps came in 2029 before Dec 2026)."""
    ds = current.dataset.sel(scenario="current-policy")
    years = [int(y) for y in ds["year"].values]
    new_load = _new_load(ds, np.isin(ds["site"].values, MOERDIJK))
    assert (new_load[: years.index(2033)] <= 1e-6).all()


NOORD_LIMBURG, MIDDEN_ZUID_LIMBURG = "tennet_noord_limburg", "tennet_midden_zuid_limburg"
"""The waiting lists of Limburg (TenneT, 18 Apr 2025): the north's waits for the Boxmeer
station (2030, moved from 2028), Midden- and Zuid-Limburg's for Graetheide 380 kV (2031-2034,
as Chemelot's)."""
ZUID_HOLLAND = "tennet_zuid_holland"
"""Nearly all of Zuid-Holland congested for large users from Dec 2024, its grid expansions done
in 2032-2035 (TenneT, Stedin and Liander)."""
MIDDLE = "tennet_utrecht_gelderland_flevopolder"
"""TenneT's reinforcements in Gelderland, Utrecht and the Flevopolder, due in 2033 (2029
before the delay of 12 Jun 2025; 2035 with further setbacks)."""


def test_the_delayed_reinforcements_are_a_zone_apart_until_2033(
    cat: Catalogue, inp: ModelInputs
) -> None:
    """The 39 Cluster 6 sites in Gelderland, Utrecht and the Flevopolder draw on their zone
    alone (0 MW until 2033, not limited by the data after), not on the cluster's pool (its
    assumed relief of 2034); the other Cluster 6 sites, but those in the other zones apart
    (Groningen's, Limburg's and Zuid-Holland's), keep the cluster's pool."""
    zone_sites = cat.sites.loc[cat.sites["grid_zone"] == MIDDLE]
    assert len(zone_sites) == 39 and (zone_sites["cluster_id"] == "cluster6").all()
    assert {"Lelystad", "Nijmegen", "Brummen", "Woerden", "Vijfheerenlanden"} <= set(
        zone_sites["municipality"]
    )
    cluster = list(inp.pools.names).index("grid/cluster6")
    here = np.isin(np.asarray(inp.coords.plant_site), zone_sites["site_id"].to_numpy())
    cluster6 = inp.plants.cluster == list(inp.coords.clusters).index("cluster6")
    assert here.sum() >= 39 and (cluster6 & ~here).sum() > 60
    others = ("tennet_groningen", NOORD_LIMBURG, MIDDEN_ZUID_LIMBURG, ZUID_HOLLAND)
    apart = cat.sites.loc[cat.sites["grid_zone"].isin(others), "site_id"].to_numpy()
    elsewhere = cluster6 & ~here & ~np.isin(np.asarray(inp.coords.plant_site), apart)
    assert inp.pools.plants[cluster, elsewhere].all()
    _assert_zone_apart(inp, "cluster6", MIDDLE, here, 2033)


def test_gelderland_and_flevopolder_heat_plants_electrify_when_the_reinforcements_are_in(
    cat: Catalogue, current: kruispunt.Results
) -> None:
    """In current policy the zone's plants add no electric load of their own choosing before
    2033 (a decided project's connection was contracted with its decision: Cosun's binding
    agreement puts Aviko Steenderen on an e-boiler in 2030); five of its heat plants take
    hybrid heat pumps in 2033 (FrieslandCampina Borculo and Lochem, McCain Lelystad, NXP
    Nijmegen, Sonac Vuren; 2034 with the cluster's assumed relief before Dec 2026), while
    A-ware Heerenveen, a Cluster 6 site outside the zone, waits for 2034."""
    ds = current.dataset.sel(scenario="current-policy")
    routes = ds["route"].values
    years = [int(y) for y in ds["year"].values]
    zone = cat.sites.loc[cat.sites["grid_zone"] == MIDDLE, "site_id"].to_numpy()
    committed = _decided(ds)
    here = np.isin(ds["site"].values, zone)
    assert ds["plant"].values[here & committed].tolist() == ["aviko_steenderen/process_heat_low"]
    steenderen = ds["route_index"].sel(plant="aviko_steenderen/process_heat_low").values
    assert routes[steenderen[years.index(2030)]] == "eboiler_low"
    new_load = _new_load(ds, here & ~committed)
    assert (new_load[: years.index(2033)] <= 1e-6).all()
    assert new_load[years.index(2033)] > 10.0
    for site in (
        "frieslandcampina_borculo",
        "frieslandcampina_lochem",
        "mccain_lelystad",
        "nxp_nijmegen",
        "sonac_vuren",
    ):
        assert _first_year(ds, f"{site}/process_heat_low", "heat_pump", prefix=True) == 2033, site
    assert _first_year(ds, "a_ware_heerenveen/process_heat_low", "heat_pump", prefix=True) == 2034


def test_groningen_sites_of_cluster6_follow_the_groningen_grid(
    cat: Catalogue, inp: ModelInputs, current: kruispunt.Results
) -> None:
    """The 14 Cluster 6 sites in the province of Groningen hang on TenneT's Groningen 110 kV
    grid, as the Noord-Nederland cluster's sites do: a zone apart, 0 MW until new connections
    open in 2032 (TenneT, Apr 2025), rather than the cluster's assumed 2034. In current policy
    Avebe Ter Apelkanaal and FrieslandCampina Bedum take hybrid heat pumps in 2032 (2034
    before Dec 2026)."""
    zone_sites = cat.sites.loc[cat.sites["grid_zone"] == "tennet_groningen"]
    assert len(zone_sites) == 14 and (zone_sites["cluster_id"] == "cluster6").all()
    here = np.isin(np.asarray(inp.coords.plant_site), zone_sites["site_id"].to_numpy())
    _assert_zone_apart(inp, "cluster6", "tennet_groningen", here, 2032)
    names = list(inp.pools.names)
    cap = inp.pools.capacity[0, names.index("grid/tennet_groningen")]
    noord = inp.pools.capacity[0, names.index("grid/noord_nederland")]
    np.testing.assert_array_equal(cap, noord)  # the same grid, the same relief
    ds = current.dataset.sel(scenario="current-policy")
    for site in ("avebe_ter_apelkanaal", "frieslandcampina_bedum"):
        plant = f"{site}/process_heat_low"
        assert _first_year(ds, plant, "heat_pump_hybrid_low_food") == 2032, plant


def test_limburg_sites_of_cluster6_follow_the_limburg_stations(
    cat: Catalogue, inp: ModelInputs, current: kruispunt.Results
) -> None:
    """Cluster 6's 25 sites in Limburg wait for TenneT's stations there rather than for the
    cluster's assumed relief of 2034: the 7 in Noord-Limburg for the Boxmeer station's
    extension (2030), the 18 in Midden- and Zuid-Limburg for Graetheide 380 kV (2031-2034,
    the latest year, as Chemelot, on the same station: the same room every year). In current
    policy Rixona Oostrum (Venray) takes its hybrid heat pump in 2030 (2034 before Dec 2026);
    the Midden- and Zuid-Limburg plants add no load of their own choosing before 2034."""
    zones = {NOORD_LIMBURG: (7, 2030), MIDDEN_ZUID_LIMBURG: (18, 2034)}
    names = list(inp.pools.names)
    for zone, (count, relief) in zones.items():
        zone_sites = cat.sites.loc[cat.sites["grid_zone"] == zone]
        assert len(zone_sites) == count and (zone_sites["cluster_id"] == "cluster6").all()
        here = np.isin(np.asarray(inp.coords.plant_site), zone_sites["site_id"].to_numpy())
        _assert_zone_apart(inp, "cluster6", zone, here, relief)
    south = inp.pools.capacity[0, names.index(f"grid/{MIDDEN_ZUID_LIMBURG}")]
    np.testing.assert_array_equal(south, inp.pools.capacity[0, names.index("grid/chemelot")])
    north = set(cat.sites.loc[cat.sites["grid_zone"] == NOORD_LIMBURG, "municipality"])
    assert north == {"Venlo", "Venray", "Peel en Maas", "Bergen (L)"}
    ds = current.dataset.sel(scenario="current-policy")
    years = [int(y) for y in ds["year"].values]
    rixona = "rixona_oostrum/process_heat_low"
    assert _first_year(ds, rixona, "heat_pump_hybrid_low_food") == 2030
    south_sites = cat.sites.loc[cat.sites["grid_zone"] == MIDDEN_ZUID_LIMBURG, "site_id"]
    own = np.isin(ds["site"].values, south_sites.to_numpy()) & ~_decided(ds)
    assert (_new_load(ds, own)[: years.index(2034)] <= 1e-6).all()


def test_zuid_holland_sites_of_cluster6_wait_for_the_province_s_expansions(
    cat: Catalogue, inp: ModelInputs, current: kruispunt.Results
) -> None:
    """Cluster 6's 8 sites in Zuid-Holland (Gorinchem, Gouda, Delft, Zoeterwoude, ...) wait for
    the province's grid expansions, which the grid operators expect in 2032-2035 (Dec 2024):
    0 MW until 2035, the latest year, rather than the cluster's assumed 2034. In current policy
    their six heat plants that take a hybrid heat pump take it in 2035 (2034 before Dec 2026);
    none adds load of its own choosing before 2035."""
    in_zone = cat.sites.loc[cat.sites["grid_zone"] == ZUID_HOLLAND]
    here = np.isin(np.asarray(inp.coords.plant_site), in_zone["site_id"].to_numpy())
    _assert_zone_apart(inp, "cluster6", ZUID_HOLLAND, here, 2035)  # with the Drechtsteden's
    zone_sites = in_zone.loc[in_zone["cluster_id"] == "cluster6"]
    assert len(zone_sites) == 8 and len(in_zone) == 8 + len(DRECHTSTEDEN)
    assert {"Gorinchem", "Gouda", "Delft", "Zoeterwoude"} <= set(zone_sites["municipality"])
    ds = current.dataset.sel(scenario="current-policy")
    years = [int(y) for y in ds["year"].values]
    new_load = _new_load(ds, np.isin(ds["site"].values, zone_sites["site_id"].to_numpy()))
    assert (new_load[: years.index(2035)] <= 1e-6).all()
    assert new_load[years.index(2035)] > 10.0
    for site in ("heineken_zoeterwoude", "purac_gorinchem", "dsm_delft"):
        assert _first_year(ds, f"{site}/process_heat_low", "heat_pump", prefix=True) == 2035, site


def test_zeeland_sites_in_noord_brabant_draw_on_the_brabant_grid_alone(
    cat: Catalogue, inp: ModelInputs
) -> None:
    """The province of Zeeland's grid figures (TenneT and Stedin: 425 MW for its waiting list
    from Jun 2024) do not cover the Zeeland cluster's sites in Noord-Brabant, which hang on
    TenneT's Noord-Brabant grid (full since Jun 2022 in all of Noord-Brabant and Limburg; the
    release of Dec 2025 begins in West-Brabant): those nine draw on zone
    ``tennet_noord_brabant`` (Cluster 6's) and not on ``grid/zeeland``; every other Zeeland
    plant draws on ``grid/zeeland`` and not on the zone; the zone is open from the start to
    the plants of both clusters."""
    names = list(inp.pools.names)
    zeeland, zone = names.index("grid/zeeland"), names.index("grid/tennet_noord_brabant")
    clusters = list(inp.coords.clusters)
    site = np.asarray(inp.coords.plant_site)
    brabant = cat.sites.loc[
        (cat.sites["cluster_id"] == "zeeland") & (cat.sites["grid_zone"] == "tennet_noord_brabant")
    ]
    assert len(brabant) == 9
    here = np.isin(site, brabant["site_id"].to_numpy())
    in_zeeland = inp.plants.cluster == clusters.index("zeeland")
    assert here.sum() >= 9 and (in_zeeland & ~here).sum() >= 10
    assert not inp.pools.plants[zeeland, here].any()
    assert inp.pools.plants[zone, here].all()
    assert inp.pools.plants[zeeland, in_zeeland & ~here].all()
    assert not inp.pools.plants[zone, in_zeeland & ~here].any()
    for cl in ("zeeland", "cluster6"):
        assert (inp.pools.access[:, zone, clusters.index(cl)] == 0).all()
    assert inp.pools.host[zone] == clusters.index("cluster6")


def test_drechtsteden_sites_draw_on_the_zuid_holland_zone(
    cat: Catalogue, inp: ModelInputs, current: kruispunt.Results
) -> None:
    """TenneT's port area of Nov 2022 (the Rotterdam port, Voorne-Putten, Goeree-Overflakkee,
    Hoek van Holland, Hoogvliet), whose 1,800 MW of requests the Rotterdam-Moerdijk pool
    serves from 2029, leaves out Dordrecht and Zwijndrecht, which are in Zuid-Holland's
    congestion since Dec 2024: the cluster's four sites there draw on Cluster 6's zone
    ``tennet_zuid_holland`` alone (0 MW until 2035), and Chemours Dordrecht, Ashland and Sime
    Darby Zwijndrecht take their hybrid heat pumps in 2035 (2029 before Dec 2026) in current
    policy; FNsteel Alblasserdam, not congested in Dec 2024, keeps the cluster's pool."""
    names = list(inp.pools.names)
    rotterdam, zone = names.index("grid/rotterdam_moerdijk"), names.index(f"grid/{ZUID_HOLLAND}")
    site = np.asarray(inp.coords.plant_site)
    drecht = cat.sites.loc[
        (cat.sites["cluster_id"] == "rotterdam_moerdijk") & (cat.sites["grid_zone"] == ZUID_HOLLAND)
    ]
    assert sorted(drecht["site_id"]) == sorted(DRECHTSTEDEN)
    assert set(drecht["municipality"]) == {"Dordrecht", "Zwijndrecht"}
    here = np.isin(site, DRECHTSTEDEN)
    assert not inp.pools.plants[rotterdam, here].any() and inp.pools.plants[zone, here].all()
    clusters = list(inp.coords.clusters)
    assert (inp.pools.access[:, zone, clusters.index("rotterdam_moerdijk")] == 0).all()
    assert inp.pools.plants[rotterdam, site == "fnsteel_alblasserdam"].all()
    ds = current.dataset.sel(scenario="current-policy")
    for plant in (
        "chemours_dordrecht/process_heat_low",
        "ashland_zwijndrecht/process_heat_low",
        "sime_darby_zwijndrecht/process_heat_low",
    ):
        assert _first_year(ds, plant, "heat_pump", prefix=True) == 2035, plant
