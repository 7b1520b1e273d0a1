// htmx (2.0.11) carries an hx-preserve element (the portal's half-typed outcome form) across
// a swap with Element.moveBefore where the browser has it (Chromium 133 and later); after a
// second such swap Chromium laid the swapped-in list out as nothing: a blank portal after a
// producer's second save. Without moveBefore htmx moves the element itself (replaceChild),
// as it does in Firefox and Safari, which keeps the typed values and the open form too.
delete Element.prototype.moveBefore;
