/* The share dialog's recipient picker: type a few letters of a name, an ORI or a state, instead
   of scrolling a list of every agency the marking allows. GOV.UK's accessible-autocomplete
   (static/vendor/accessible-autocomplete, an ARIA combobox with a listbox of suggestions)
   enhances each <select data-type-to-search>; the select stays in the form and takes the choice,
   so the form posts what it posted before. Without this script the select is there as it is.
   Served as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  if (!window.accessibleAutocomplete) {
    return;
  }
  // The library writes a suggestion into the page as HTML; a name is text (an agency named
  // "<b>Lake</b> PD" shows just that), so both templates escape it.
  function asText(value) {
    return String(value == null ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  document.querySelectorAll("select[data-type-to-search]").forEach(function (select) {
    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      defaultValue: "",
      showAllValues: true,
      // No autoselect: with it the library draws a second, unlabelled "hint" input over the
      // field (axe: form elements must have labels); ArrowDown then Enter picks a match.
      autoselect: false,
      displayMenu: "overlay",
      placeholder: select.dataset.typeToSearch,
      templates: {
        inputValue: function (name) { return name == null ? "" : String(name); },
        suggestion: asText
      },
      tNoResults: function () {
        return "No recipient matches: the marking may not allow it, or name the agency by its ORI";
      },
      tStatusQueryTooShort: function (minQueryLength) {
        return "Type in " + minQueryLength + " or more characters for results";
      }
    });
  });
})();
