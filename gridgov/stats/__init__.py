"""Statistics (统计): every figure the product states, for any place and period, computed in one place.

- `catalogue` — the named indicators (code, the articles' term, unit, how counted, which records, the record
  list it links to) and the rates between them.
- `queries` — the read interface for pages, the API, the cockpit and the briefings (see its docstring): figures,
  KPIs, monthly trend, breakdowns, child ranking, overdue by unit, grid-worker activity, key persons (grant
  only), the articles' statements. Every function takes the user and checks scope and grants.
- `engine` — the one counting primitive (`count`), from the rollups or from the records with the same meaning;
  `sources` defines what is counted (the dimensions as database expressions), `cubes` the rollup tables.
- `actions` — keeping the rollups (`refresh`, run by `run_periodic`; `rebuild`, `manage.py rebuild_stats`);
  `signals` and `marks` note which buckets to recount.
- `reports` — the command line's figures (`demo_figures`, `demo_activity`, `matter_figures`).
- `periods` — periods as reports name them; `lists` — the totals of record lists (共 N 条).
"""
