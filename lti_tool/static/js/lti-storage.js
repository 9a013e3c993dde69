/* LTI Client Side postMessages (IMS lti-cs-oidc, lti-pm-s): the platform's storage, from the tool.
 *
 * Messages go only to the platform's frame, with the platform's origin as target origin, and
 * answers are accepted only from that origin and with the message id that was sent.
 */
(function () {
  "use strict";

  function targetFrame(target) {
    if (!window.parent || window.parent === window) { return null; }
    if (!target || target === "_parent") { return window.parent; }
    try {
      return window.parent.frames[target] || null;
    } catch (error) {
      return null;
    }
  }

  function send(storage, message, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var frame = targetFrame(storage.target);
      if (!frame) { reject(new Error("no platform frame")); return; }
      var id = "lti-tool-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
      var timer = window.setTimeout(function () {
        window.removeEventListener("message", listen);
        reject(new Error("no answer from the platform"));
      }, timeoutMs || 3000);
      function listen(event) {
        var data = event.data;
        if (event.origin !== storage.origin || !data || typeof data !== "object") { return; }
        if (data.message_id !== id || data.subject !== message.subject + ".response") { return; }
        window.clearTimeout(timer);
        window.removeEventListener("message", listen);
        if (data.error) { reject(new Error(String(data.error.code || "error"))); }
        else { resolve(data); }
      }
      window.addEventListener("message", listen);
      message.message_id = id;
      frame.postMessage(message, storage.origin);
    });
  }

  window.ltiStorage = {
    put: function (storage, key, value) {
      return send(storage, {subject: "lti.put_data", key: key, value: value});
    },
    get: function (storage, key) {
      return send(storage, {subject: "lti.get_data", key: key}).then(function (data) {
        return data.value;
      });
    },
    cookiesWork: function (cookie) {
      var attributes = "; path=/; SameSite=" + cookie.samesite +
        (cookie.secure ? "; Secure" : "") + (cookie.partitioned ? "; Partitioned" : "");
      document.cookie = "lti_tool_cookie_check=1" + attributes;
      var works = document.cookie.indexOf("lti_tool_cookie_check=1") !== -1;
      // Deleted with the attributes it was set with, or a partitioned copy would stay behind.
      document.cookie = "lti_tool_cookie_check=" + attributes +
        "; expires=Thu, 01 Jan 1970 00:00:00 GMT";
      return works;
    }
  };
})();
