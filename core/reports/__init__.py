"""Reports: what the market did (charts and CSV for /stats, the weekly summary), the operator's
monthly revenue, and a trader's statement (CSV and PDF for /export and the REST API).

Above core.escrow and core.wallet, beside core.admin. Queries aggregate in PostgreSQL and
return plain data (``figures.Chart``, ``revenue.Revenue``, ``statement.Statement``); the
renderers (``charts``, ``figures.charts_csv``, ``statement_files``) take the words from the
caller (``texts``): core speaks no language. Renderers are CPU work: run them off the event
loop (``charts.render_all``, ``statement_files.render_files``).
"""
