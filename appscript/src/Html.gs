/**
 * @fileoverview The add-on's HTML pages as templates, so they share their pieces the way
 * Apps Script does ("HTML Service: Best Practices": separate CSS and JavaScript, pulled in
 * with an include function): each page is served by htmlPage_(), i.e.
 * HtmlService.createTemplateFromFile(name).evaluate(), and prints a shared file with the
 * force-printing scriptlet <?!= include_('PanelStyle') ?>. The shared pieces:
 * PanelStyle.html (the panels' CSS), PanelScript.html (their JS helpers), SiteFields.html
 * (the Invest and Risk panels' registration and site fields) and RegistrationOptions.html
 * (the registration choices, also in the sidebar's battery form).
 */

/**
 * An HTML file of the project, evaluated (so a shared piece may include another), for a
 * page's <?!= include_('Name') ?>. Private (ends in "_"): the pages' google.script.run
 * cannot call it to read the project's files.
 * @param {string} name The file's name without ".html".
 * @return {string} Its content.
 */
function include_(name) {
  return HtmlService.createTemplateFromFile(name).evaluate().getContent();
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
