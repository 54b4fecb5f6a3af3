// The Print button of a printable page (a receipt, the shop's QR code).
"use strict";
document.getElementById("print").addEventListener("click", () => window.print());
