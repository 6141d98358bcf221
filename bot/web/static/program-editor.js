// The program editor: a problem's "Line N" link puts the cursor on that line of the file and scrolls
// to it. Without JavaScript the link still leads to the editor, and each problem shows its lines.
"use strict";
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.goto-line");
  const source = document.getElementById("source");
  if (!link || !source) return;
  event.preventDefault();
  const wanted = Number(link.dataset.line);
  const lines = source.value.split("\n");
  let start = 0;
  for (let n = 1; n < wanted && n <= lines.length; n += 1) start += lines[n - 1].length + 1;
  const end = start + (lines[wanted - 1] || "").length;
  source.focus();
  source.setSelectionRange(start, end);
  const lineHeight = parseFloat(getComputedStyle(source).lineHeight) || 20;
  source.scrollTop = Math.max(0, (wanted - 3) * lineHeight);
});
