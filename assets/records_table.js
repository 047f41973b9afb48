/* The records table's page side (components/records_table.py): the grid pages its rows from the
 * server (AG Grid's infinite row model), so the browser holds only the blocks it has shown.
 *   refresh   a new window, new filters or new data: back to the top, drop the cached blocks
 *             (the grid then asks the server for the first block; nothing is sent with the change)
 *   select    the page's selection, kept here so that rows loaded later are shown selected too
 *   download  the CSV of every row of the window and filters, in the grid's sort, filter and
 *             columns, from the server (/records.csv), which neutralises formula cells.
 * Grid functions are looked up by name in window.dashAgGridFunctions and interpreted without eval. */
(function () {
  "use strict";
  const GRID = "records-table";
  let selected = new Set();
  let lastView = null;

  // The grid's API, or null before the grid is ready (getApi throws then): a grid not ready yet
  // asks for its first block with the page's present window and filters anyway.
  const api = () => {
    try {
      const grid = window.dash_ag_grid.getApi(GRID);
      return grid && !grid.isDestroyed() ? grid : null;
    } catch (error) {
      return null;
    }
  };
  const noUpdate = () => window.dash_clientside.no_update;

  const fns = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
  // modelUpdated: a block arrived (or the cache was dropped); rows of the selection it holds are
  // selected (rows the grid never loaded cannot be selected ahead of time).
  fns.flightmapSelectLoaded = function (params) {
    if (!selected.size || !params || !params.api) return;
    const nodes = [];
    params.api.forEachNode((node) => { if (node.id && node.data && !node.isSelected() && selected.has(node.id)) nodes.push(node); });
    if (nodes.length) params.api.setNodesSelected({nodes, newValue: true});
  };

  function sortModel(grid) {
    return grid.getColumnState().filter((c) => c.sort).sort((a, b) => (a.sortIndex || 0) - (b.sortIndex || 0)).map((c) => ({colId: c.colId, sort: c.sort}));
  }

  const ns = (window.dash_clientside = window.dash_clientside || {});
  ns.flightmapTable = {
    refresh: function (windowValue, filters, version) {
      const view = JSON.stringify([windowValue, filters, version]);
      if (view === lastView) return noUpdate();
      lastView = view;
      const grid = api();
      if (grid) {
        if (grid.getDisplayedRowCount() > 0) grid.ensureIndexVisible(0, "top");
        grid.purgeInfiniteCache();
      }
      return view;
    },
    select: function (selection) {
      const ids = (selection && selection.ids) || [];
      selected = new Set(ids);
      return {ids: ids};
    },
    download: function (clicks, windowValue, filters) {
      const grid = api();
      if (!clicks || !grid || !windowValue) return noUpdate();
      const query = new URLSearchParams({
        window: windowValue.join(","),
        filters: JSON.stringify(filters || {}),
        sort: JSON.stringify(sortModel(grid)),
        filter: JSON.stringify(grid.getFilterModel() || {}),
        columns: grid.getAllDisplayedColumns().map((c) => c.getColId()).join(","),
      });
      const url = "records.csv?" + query.toString();
      const link = document.createElement("a");
      link.href = url;
      link.download = "flight-records.csv";
      link.hidden = true;
      document.body.appendChild(link);
      link.click();
      link.remove();
      return url;
    },
  };
})();
