/**
 * @fileoverview The add-on's HTML pages as templates, so they share their pieces the way
 * Apps Script does ("HTML Service: Best Practices": separate CSS and JavaScript, pulled in
 * with an include function): each page is served by htmlPage_(), i.e.
 * HtmlService.createTemplateFromFile(name).evaluate(), and prints a shared file with the
 * force-printing scriptlet <?!= include_('PanelStyle') ?>. The shared files
 * (PanelStyle.html, PanelScript.html, SiteFields.html) are served as they are: scriptlets
 * in them are not evaluated.
 */

/**
 * The content of an HTML file of the project, for a page's <?!= include_('Name') ?>.
 * Private (ends in "_"): the pages' google.script.run cannot call it.
 * @param {string} name The file's name without ".html".
 * @return {string} Its content, unevaluated.
 */
function include_(name) {
  return HtmlService.createHtmlOutputFromFile(name).getContent();
}

/**
 * A page of the add-on: its template evaluated (includes printed).
 * @param {!Object} services From services_().
 * @param {string} name The page's file name without ".html".
 * @return {!HtmlService.HtmlOutput} The page, for setTitle/showSidebar/showModalDialog.
 */
function htmlPage_(services, name) {
  return services.html.createTemplateFromFile(name).evaluate();
}
