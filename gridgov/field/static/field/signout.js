/* gridgov field app, signed out: forget what the service worker kept for offline use.
 *
 * Loaded by the login page, i.e. whenever nobody is signed in (after 退出, an expired session, a fresh
 * phone). The field app's Cache Storage (pages and the worker's grid data, key persons included for
 * grant holders; cache names "gridgov-field-<version>", see field/sw.js) is deleted and the service
 * worker of the field app's scope is unregistered, so whoever picks the phone up offline finds nothing.
 *
 * The IndexedDB queue is left alone on purpose: records not yet uploaded wait for the account that made
 * them (field.js uploads a record only as its owner). No Clear-Site-Data "storage": it would wipe them.
 *
 * When done, <html data-field-cleared="N"> tells how many caches were deleted (tests wait for it).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var scope = (script && script.dataset.scope) || "/field/";
  var PREFIX = "gridgov-field-";

  function dropCaches() {
    if (!("caches" in window)) return Promise.resolve(0);
    return caches.keys().then(function (names) {
      var ours = names.filter(function (name) { return name.indexOf(PREFIX) === 0; });
      return Promise.all(ours.map(function (name) { return caches.delete(name); })).then(function () {
        return ours.length;
      });
    });
  }

  function dropWorker() {
    if (!("serviceWorker" in navigator) || !navigator.serviceWorker.getRegistrations) return Promise.resolve();
    var wanted = new URL(scope, location.href).href;
    return navigator.serviceWorker.getRegistrations().then(function (registrations) {
      return Promise.all(registrations.filter(function (r) { return r.scope === wanted; }).map(function (r) {
        return r.unregister();
      }));
    });
  }

  // The worker first, so it cannot put a page back while its caches go.
  dropWorker()
    .catch(function () {})
    .then(dropCaches)
    .catch(function () { return -1; })
    .then(function (count) { document.documentElement.setAttribute("data-field-cleared", String(count)); });
})();
