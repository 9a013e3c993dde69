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
    // A named frame (Canvas's "post_message_forwarding") sits beside the tool's frame, or in
    // the platform's top page when the tool's frame is nested deeper.
    try {
      return window.parent.frames[target] || window.top.frames[target] || null;
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

  function supported(messages, subject) {
    for (var index = 0; index < messages.length; index += 1) {
      if (messages[index] && messages[index].subject === subject) { return messages[index]; }
    }
    return null;
  }

  window.ltiStorage = {
    // Ask the platform what it supports: a storage (possibly in another frame), or none (null).
    // A platform that does not answer at all is tried with the frame it named.
    resolve: function (storage) {
      return send(storage, {subject: "lti.capabilities"}, 1000).then(function (data) {
        var messages = Array.isArray(data.supported_messages) ? data.supported_messages : [];
        var put = supported(messages, "lti.put_data");
        if (!put || !supported(messages, "lti.get_data")) { return null; }
        var resolved = {};
        Object.keys(storage).forEach(function (key) { resolved[key] = storage[key]; });
        if (typeof put.frame === "string" && put.frame) { resolved.target = put.frame; }
        return resolved;
      }, function () { return storage; });
    },
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
