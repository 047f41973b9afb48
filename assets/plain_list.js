/* Lists drawn from data (components/plain_list.py): plain <li> elements instead of Dash
 * components, which the renderer would visit on every update of the page. An item whose data has
 * a key is a button; pressing it (a click, Enter, Space) writes {key, n} to the list's store named
 * in data-picked. Focus stays on the pressed button's key when the list is redrawn. */
(function () {
  "use strict";
  const ns = (window.dash_clientside = window.dash_clientside || {});
  const fm = (ns.flightmap = ns.flightmap || {});

  fm.fillList = function (items, id) {
    const list = document.getElementById(id);
    if (!list) return ns.no_update;
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
    const fragment = document.createDocumentFragment();
    let refocus = null;
    for (const entry of items || []) {
      const li = document.createElement("li");
      if (entry.class) li.className = entry.class;
      let holder = li;
      if (entry.key !== undefined) {
        holder = document.createElement("button");
        holder.type = "button";
        holder.className = "mark-item";
        holder.dataset.key = entry.key;
        li.appendChild(holder);
        if (entry.key === focused) refocus = holder;
      }
      if (entry.strong) {
        const strong = document.createElement("strong");
        strong.textContent = entry.strong;
        holder.appendChild(strong);
      }
      holder.appendChild(document.createTextNode(entry.text));
      fragment.appendChild(li);
    }
    list.replaceChildren(fragment);
    if (refocus) refocus.focus();
    return ns.no_update;
  };

  fm.fillTable = function (rows, id) {
    const body = document.getElementById(id);
    if (!body) return ns.no_update;
    const fragment = document.createDocumentFragment();
    for (const entry of rows || []) {
      const tr = document.createElement("tr");
      if (entry.class) tr.className = entry.class;
      for (const cell of entry.cells || []) {
        const td = document.createElement("td");
        if (cell.class) td.className = cell.class;
        if (cell.span) td.colSpan = cell.span;
        td.appendChild(document.createTextNode(cell.text || ""));
        for (const line of cell.lines || []) {
          td.appendChild(document.createElement("br"));
          td.appendChild(document.createTextNode(line));
        }
        tr.appendChild(td);
      }
      fragment.appendChild(tr);
    }
    body.replaceChildren(fragment);
    return ns.no_update;
  };

  let presses = 0;
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("ul[data-picked] button[data-key]");
    if (!button || !ns.set_props) return;
    presses += 1;
    ns.set_props(button.closest("ul").dataset.picked, {data: {key: button.dataset.key, n: presses}});
  });
})();
