"""Policy instruments, one pure, vectorised module per instrument.

Each function takes NumPy arrays (broadcasting over ``(scenario, plant, route)``
or ``(scenario, plant)``) and returns the cost, revenue or allocation term it
adds; none reads files or holds a policy figure (those come from the data
package). Rationing functions take the applications along the last axis and
treat every leading axis (scenario first) as an independent pool.

Modules
-------
ets
    EU ETS free allocation (benchmark, CBAM and carbon-leakage phase-out) and
    net allowance cost.
cbam
    CBAM charge on imports.
co2_levy
    Dutch CO2-heffing industrie and dispensation rights.
energy_tax
    Progressive energy tax by consumption bracket.
ikc
    Indirect cost compensation with a pro-rata budget cut.
sde
    SDE++ subsidy per unit, yearly payment and budgeted round allocation.
grants
    Rank-order rationing of a budget (NIKI, VEKI, OWE) or scarce capacity.
ccfd
    Carbon contracts for difference.
finance
    Cost of capital, TRL risk premium and risk sharing.
greenmarket
    Green-premium revenue under mandates and procurement.
"""
