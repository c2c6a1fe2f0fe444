/* Lifecycle forms on any website. Usage:
 *   <script async src="https://<lifecycle host>/forms.js" data-form="<slug>"></script>
 * Renders the form where the tag is (DOM APIs only: what anyone types is never parsed as HTML), records a view,
 * and posts submissions to Lifecycle with the visitor's UTM parameters, page and anonymous id (the tracking
 * script's lc_aid, so the visitor's earlier page views join the contact). Shows each field's error in place,
 * then the thank-you message or goes to the form's configured redirect. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var slug = script.getAttribute("data-form");
  var base = new URL(script.src).origin + "/f/" + encodeURIComponent(slug);
  var cookieName = "lc_aid";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }

  // The same first-party id as lifecycle.js (cookie, mirrored in localStorage), created here if it is absent.
  function anonymousId() {
    var match = document.cookie.match(/(?:^|; )lc_aid=([^;]*)/);
    var id = match ? decodeURIComponent(match[1]) : null;
    try { id = id || localStorage.getItem(cookieName); } catch (e) { /* storage may be blocked */ }
    if (!id) {
      id = uuid();
      document.cookie = cookieName + "=" + encodeURIComponent(id) + "; path=/; max-age=63072000; SameSite=Lax" +
        (location.protocol === "https:" ? "; Secure" : "");
      try { localStorage.setItem(cookieName, id); } catch (e) { /* ignore */ }
    }
    return id;
  }

  function context(body) {
    var params = new URLSearchParams(location.search);
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (name) {
      if (params.get(name)) body.set(name, params.get(name));
    });
    body.set("anonymous_id", anonymousId());
    body.set("page", location.origin + location.pathname);
    return body;
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render(definition) {
    var form = element("form", { "class": "lifecycle-form", "data-lifecycle-form": slug, novalidate: "" });
    var errors = {};
    definition.fields.forEach(function (field) {
      var id = "lc-" + slug + "-" + field.name;
      form.appendChild(element("label", { "for": id }, field.label + (field.required ? " *" : "")));
      var input;
      if (field.type === "textarea") input = element("textarea", { id: id, name: field.name });
      else if (field.type === "select") {
        input = element("select", { id: id, name: field.name });
        input.appendChild(element("option", { value: "" }, ""));
        (field.options || []).forEach(function (option) { input.appendChild(element("option", { value: option }, option)); });
      } else input = element("input", { id: id, name: field.name, type: field.type });
      if (field.required) input.setAttribute("required", "");
      form.appendChild(input);
      errors[field.name] = form.appendChild(element("p", { "class": "lifecycle-error", role: "alert" }, ""));
    });
    if (definition.consent) {
      var consent = element("label", { "class": "lifecycle-consent" });
      consent.appendChild(element("input", { type: "checkbox", name: "consent", value: "on" }));
      consent.appendChild(document.createTextNode(" " + definition.consent.wording));
      form.appendChild(consent);
      errors.consent = form.appendChild(element("p", { "class": "lifecycle-error", role: "alert" }, ""));
    }
    var trap = element("div", { "aria-hidden": "true" });
    trap.style.position = "absolute";
    trap.style.left = "-10000px";
    trap.appendChild(element("input", { name: definition.honeypot, tabindex: "-1", autocomplete: "off" }));
    form.appendChild(trap);
    var button = form.appendChild(element("button", { type: "submit" }, definition.submit_label));
    var status = form.appendChild(element("p", { "class": "lifecycle-status", role: "status" }, ""));

    form.addEventListener("submit", function (submitted) {
      submitted.preventDefault();
      Object.keys(errors).forEach(function (name) { errors[name].textContent = ""; });
      status.textContent = "";
      button.disabled = true;
      fetch(base, { method: "POST", body: context(new URLSearchParams(new FormData(form))), headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
        })
        .then(function (result) {
          button.disabled = false;
          if (result.ok && result.answer.redirect) { location.href = result.answer.redirect; return; }
          if (result.ok) { form.replaceWith(element("p", { "class": "lifecycle-thanks", role: "status" }, result.answer.message)); return; }
          var fieldErrors = result.answer.errors || {};
          Object.keys(fieldErrors).forEach(function (name) {
            if (errors[name]) errors[name].textContent = fieldErrors[name].join(" ");
          });
          status.textContent = result.answer.detail || "Please correct the fields marked above.";
        })
        .catch(function () {
          button.disabled = false;
          status.textContent = "The form could not be sent. Please try again.";
        });
    });
    return form;
  }

  var holder = element("div", { "class": "lifecycle-form-holder" });
  script.parentNode.insertBefore(holder, script);
  fetch(base + "/definition?anonymous_id=" + encodeURIComponent(anonymousId()))
    .then(function (response) { return response.json(); })
    .then(function (definition) {
      holder.appendChild(render(definition));
      fetch(base + "/views", { method: "POST", body: context(new URLSearchParams({ referrer: document.referrer })), keepalive: true });
    });
})();
