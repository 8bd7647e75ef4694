// Redoc's sidebar footer always asks cdn.redoc.ly for its logo; offline
// intranets must not reach out, so that one image is left empty.
(function () {
  const blank = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
  const local = (value) =>
    String(value).startsWith("https://cdn.redoc.ly/") ? blank : value;
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    return setAttribute.call(this, name, name === "src" ? local(value) : value);
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    get: src.get,
    set(value) { src.set.call(this, local(value)); },
    configurable: true,
  });
})();
