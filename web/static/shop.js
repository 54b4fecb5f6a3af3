// The shop page of self-checkout (templates/shop.html): a shopper scans
// products by typing, pasting or the camera; each is decided by the
// server (POST /shop/{merchant}/add) and shown green in the cart, or red
// with the reason; Pay makes the checkout and the page follows it
// (GET /shop/{merchant}/cart every 2 s) until it is paid or ends.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('shop-data').textContent);
  var words = data.words;
  var base = '/shop/' + encodeURIComponent(data.shop);
  var cart = data.cart;
  var refused = []; // scans refused since the page opened: {name, why}
  var polling = null;

  function $(id) { return document.getElementById(id); }

  function say(key, name) {
    var w = words[key] || key;
    return name === undefined ? w : w.replace('%s', name);
  }

  function status(text) { $('status').textContent = text; }

  // call sends a request to the shop's JSON endpoints; it resolves to
  // {status, body} and never rejects.
  function call(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init).then(function (r) {
      return r.json().then(function (b) { return { status: r.status, body: b }; },
        function () { return { status: r.status, body: {} }; });
    }, function () { return { status: 0, body: { code: 'unavailable' } }; });
  }

  // problem returns the shopper's words for an error answer.
  function problem(res) {
    return words['error.' + (res.body && res.body.code)] || words['error.internal'];
  }

  function unit(it, removable) {
    var li = document.createElement('li');
    if (it.refused) { li.className = 'refused'; }
    var what = document.createElement('span');
    what.className = 'what';
    var name = document.createElement('span');
    name.className = 'name';
    name.textContent = it.name;
    what.appendChild(name);
    if (it.refused) {
      var why = document.createElement('span');
      why.className = 'why';
      why.textContent = it.why;
      what.appendChild(why);
    }
    li.appendChild(what);
    if (!it.refused && it.price_text) {
      var price = document.createElement('span');
      price.className = 'price';
      price.textContent = it.price_text;
      li.appendChild(price);
    }
    if (removable) {
      var rm = document.createElement('button');
      rm.type = 'button';
      rm.textContent = words.remove;
      rm.setAttribute('aria-label', say('shop.remove_item', it.name));
      rm.addEventListener('click', function () { remove(it.code); });
      li.appendChild(rm);
    }
    return li;
  }

  function render() {
    var open = cart.status === 'open';
    var items = $('items');
    items.textContent = '';
    (cart.items || []).forEach(function (it) { items.appendChild(unit(it, open)); });
    $('empty').hidden = cart.items.length > 0 || cart.status === 'paid';
    $('total').textContent = cart.total_text;
    $('total-line').hidden = !cart.total_text;
    var list = $('refused');
    list.textContent = '';
    refused.forEach(function (it) { list.appendChild(unit(it, false)); });
    $('refused-box').hidden = refused.length === 0;
    var blocked = cart.items.some(function (it) { return it.refused; });
    $('notice').hidden = !(open && blocked);
    $('notice').textContent = blocked ? words['shop.refused_at_pay'] : '';
    $('pay').hidden = !open;
    $('pay').disabled = !open || cart.items.length === 0;
    var k = cart.checkout;
    $('paying').hidden = cart.status !== 'paying';
    if (cart.status === 'paying' && k && k.payment && k.payment.pay_url) {
      $('pay-link').href = k.payment.pay_url;
    }
    $('paid').hidden = cart.status !== 'paid';
    follow();
  }

  // follow polls the cart while it is being paid for.
  function follow() {
    if (cart.status === 'paying' && polling === null) {
      polling = setInterval(function () {
        call('GET', '/cart').then(function (res) {
          if (res.status !== 200) { return; }
          var was = cart.status;
          cart = res.body;
          if (cart.status !== 'paying') {
            clearInterval(polling);
            polling = null;
            if (was === 'paying' && cart.status === 'open') { status(words.payment_timed_out); }
            if (cart.status === 'paid') { status(words['shop.paid']); }
          }
          render();
        });
      }, 2000);
    }
  }

  var busy = false;

  function add(code) {
    code = code.trim();
    if (code === '' || busy) { return Promise.resolve(); }
    busy = true;
    status(words['shop.checking']);
    return call('POST', '/add', { code: code }).then(function (res) {
      busy = false;
      if (res.status !== 200) { status(problem(res)); return; }
      var b = res.body;
      cart = b.cart;
      if (b.added) {
        status(say('shop.added', b.item.name));
      } else if (b.duplicate) {
        status(say('shop.duplicate', b.item.name));
      } else {
        refused.unshift({ name: b.item.name, why: b.item.why, refused: true });
        refused = refused.slice(0, 5);
        status(say('shop.not_added', b.item.name) + ' ' + b.item.why);
      }
      render();
    });
  }

  function remove(code) {
    call('POST', '/remove', { code: code }).then(function (res) {
      if (res.status !== 200) { status(problem(res)); return; }
      cart = res.body;
      render();
      $('code').focus();
    });
  }

  function pay() {
    $('pay').disabled = true;
    call('POST', '/pay').then(function (res) {
      if (res.status !== 201 && res.status !== 422) { status(problem(res)); render(); return; }
      cart = res.body.cart;
      if (res.status === 422) { status(words['shop.refused_at_pay']); }
      render();
      if (res.status === 201) {
        status(words.waiting_for_payment);
        $('pay-link').focus();
      }
    });
  }

  $('scan-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = $('code');
    add(input.value).then(function () { input.value = ''; input.focus(); });
  });
  $('pay').addEventListener('click', pay);

  // The camera: the QR reader (jsQR) is loaded only when it is asked for.
  var stream = null;
  var last = { code: '', at: 0 };

  function loadReader() {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = data.jsqr;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    $('camera-box').hidden = true;
    $('camera').hidden = false;
    $('camera').focus();
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status(words['shop.camera_off']);
      return;
    }
    loadReader().then(function () {
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    }).then(function (s) {
      stream = s;
      var video = $('video');
      video.srcObject = s;
      $('camera-box').hidden = false;
      $('camera').hidden = true;
      $('camera-stop').focus();
      var playing = video.play();
      if (playing && playing.catch) { playing.catch(function () {}); }
      requestAnimationFrame(look);
    }, function () {
      status(words['shop.camera_off']);
    });
  }

  var canvas = document.createElement('canvas');

  function look() {
    if (!stream) { return; }
    var video = $('video');
    if (video.readyState >= 2 && video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var ctx = canvas.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
      var now = Date.now();
      // The same code in view is read once, not at every frame.
      if (found && found.data && !busy && (found.data !== last.code || now - last.at > 3000)) {
        last = { code: found.data, at: now };
        add(found.data);
      }
    }
    setTimeout(function () { requestAnimationFrame(look); }, 150);
  }

  $('camera').addEventListener('click', startCamera);
  $('camera-stop').addEventListener('click', stopCamera);

  render();
  // A product link the phone's camera app opened and the server refused
  // comes back as ?scan=: show why.
  var params = new URLSearchParams(location.search);
  if (params.get('scan')) {
    var code = params.get('scan');
    history.replaceState(null, '', location.pathname);
    add(code);
  }
  $('code').focus();
}());
