/* The records table's CSV download: cells that a spreadsheet would run as a formula are
 * neutralised with a leading single quote (the rule of flightmap/security.py neutralise_cell).
 * dash-ag-grid calls this by name from csvExportParams.processCellCallback; it looks names up in
 * window.dashAgGridFunctions and interprets the call itself, with no eval (the page's CSP forbids it). */
(function () {
  "use strict";
  const TRIGGERS = /^[=+\-@\t\r]/;

  function isNumericColumn(column) {
    const def = column && column.getColDef ? column.getColDef() : {};
    const types = [].concat(def.type || []);
    return def.cellDataType === "number" || types.includes("numericColumn");
  }

  const fns = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

  // Text columns only: a number, or any value of a numeric column, is exported as it is.
  fns.flightmapNeutraliseCell = function (params) {
    const value = params.value;
    if (typeof value !== "string" || isNumericColumn(params.column)) return value;
    return TRIGGERS.test(value) ? "'" + value : value;
  };
})();
