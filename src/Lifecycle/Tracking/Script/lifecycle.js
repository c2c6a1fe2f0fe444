/* Lifecycle web tracking. Usage on any page:
 *   <script async src="https://<lifecycle host>/lifecycle.js" data-write-key="lc_wk_..."></script>
 * Sends a page view (with UTM parameters and referrer) on load, identifies the visitor when a form with an
 * e-mail field is submitted, and keeps a first-party anonymous id. window.lifecycle.track/identify/page for more. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.lifecycle) return;
  var writeKey = script.getAttribute("data-write-key");
  var endpoint = new URL(script.src).origin + "/v1/";
  var cookieName = "lc_aid";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }

  function readCookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  // First-party id: a cookie on this site (two years), mirrored in localStorage in case cookies are cleared.
  function anonymousId() {
    var id = readCookie(cookieName);
    try { id = id || localStorage.getItem(cookieName); } catch (e) { /* storage may be blocked */ }
    id = id || uuid();
    document.cookie = cookieName + "=" + encodeURIComponent(id) + "; path=/; max-age=63072000; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
    try { localStorage.setItem(cookieName, id); } catch (e) { /* ignore */ }
    return id;
  }

  function campaign() {
    var params = new URLSearchParams(location.search), result = {}, found = false;
    ["source", "medium", "campaign", "term", "content"].forEach(function (part) {
      var value = params.get("utm_" + part);
      if (value) { result[part === "campaign" ? "name" : part] = value; found = true; }
    });
    return found ? result : undefined;
  }

  function context() {
    return {
      page: { url: location.href, path: location.pathname, search: location.search, referrer: document.referrer, title: document.title },
      campaign: campaign(),
      userAgent: navigator.userAgent,
      locale: navigator.language,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      library: { name: "lifecycle.js", version: "1" }
    };
  }

  function send(path, message) {
    message.messageId = uuid();
    message.anonymousId = anonymousId();
    message.timestamp = new Date().toISOString();
    message.context = context();
    message.writeKey = writeKey;
    var body = JSON.stringify(message);
    // sendBeacon survives the navigation a form submission starts; text/plain needs no CORS preflight.
    if (navigator.sendBeacon && navigator.sendBeacon(endpoint + path, new Blob([body], { type: "text/plain" }))) return;
    fetch(endpoint + path, { method: "POST", body: body, keepalive: true, headers: { "Content-Type": "text/plain" } });
  }

  function fieldValue(form, pattern) {
    for (var i = 0; i < form.elements.length; i++) {
      var element = form.elements[i];
      var name = (element.name || element.id || "").toLowerCase();
      if (element.value && pattern.test(name)) return element.value;
    }
    return undefined;
  }

  var api = {
    page: function (properties) { send("page", { properties: properties || {} }); },
    track: function (event, properties) { send("track", { event: event, properties: properties || {} }); },
    identify: function (userId, traits) { send("identify", { userId: userId, traits: traits || {} }); }
  };
  window.lifecycle = api;

  document.addEventListener("submit", function (submitted) {
    var form = submitted.target;
    // Lifecycle's own forms (forms.js) are recorded by the server when they are stored.
    if (form.hasAttribute("data-lifecycle-form")) return;
    var emailInput = form.querySelector("input[type=email]");
    var email = (emailInput && emailInput.value) || fieldValue(form, /e-?mail/);
    var formId = form.getAttribute("data-form-id") || form.id || form.getAttribute("name") || form.getAttribute("action") || "form";
    if (email) {
      api.identify(email.trim(), {
        email: email.trim(),
        firstName: fieldValue(form, /^(first.?name|given.?name|nombre)$/),
        lastName: fieldValue(form, /^(last.?name|family.?name|surname|apellidos?)$/),
        title: fieldValue(form, /^(job.?)?title$/),
        company: fieldValue(form, /^company|organi[sz]ation$/)
      });
    }
    api.track("Form Submitted", { form_id: formId, email: email ? email.trim() : undefined });
  }, true);

  api.page();
})();
