// luyu's own script: the file drop with its progress, job polling, the month selector.
// No framework and no network beyond this server (the page's CSP allows nothing else).
"use strict";

function csrf() {
  const m = document.querySelector('meta[name="csrf"]');
  return m ? m.content : "";
}

function poll(job, onProgress, onDone, onFail) {
  fetch("/api/jobs/" + job, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((s) => {
      if (s.error) return onFail(s.error);
      if (s.state === "running") {
        onProgress(s);
        setTimeout(() => poll(job, onProgress, onDone, onFail), 400);
      } else if (s.state === "done") {
        onDone(s);
      } else {
        onFail(s.message);
      }
    })
    .catch((e) => onFail("与服务的连接中断：" + e));
}

// The files under a dropped entry (a file, or a folder read recursively).
function filesOf(entry) {
  if (entry.isFile) return new Promise((ok) => entry.file((f) => ok([f]), () => ok([])));
  const reader = entry.createReader();
  const all = [];
  return new Promise((ok) => {
    const more = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) {
          Promise.all(all.map(filesOf)).then((lists) => ok(lists.flat()));
        } else {
          all.push(...batch);
          more();
        }
      }, () => ok([]));
    more();
  });
}

function upload(files) {
  const list = Array.from(files).filter((f) => !f.name.startsWith(".") && !f.name.startsWith("~$"));
  if (list.length === 0) return;
  const bar = document.getElementById("bar");
  const box = document.getElementById("progress");
  const status = document.getElementById("status");
  const problem = document.getElementById("problem");
  problem.hidden = true;
  box.hidden = false;
  bar.style.width = "0%";
  status.textContent = "正在上传 " + list.length + " 个文件……";
  const form = new FormData();
  for (const f of list) form.append("files", f, f.name);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/upload");
  xhr.setRequestHeader("X-CSRF-Token", csrf());
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) bar.style.width = Math.round((e.loaded / e.total) * 50) + "%";
  };
  xhr.onload = () => {
    let reply = {};
    try {
      reply = JSON.parse(xhr.responseText);
    } catch (e) {
      reply = { error: "服务返回了无法识别的内容（" + xhr.status + "）" };
    }
    if (xhr.status !== 200 || reply.error) {
      box.hidden = true;
      problem.hidden = false;
      problem.textContent = reply.error || "上传失败（" + xhr.status + "）";
      status.textContent = "";
      return;
    }
    if (reply.refused && reply.refused.length) {
      problem.hidden = false;
      problem.textContent = "未上传：" + reply.refused.join("；");
    }
    status.textContent = "正在读取文件……";
    poll(
      reply.job,
      (s) => {
        if (s.total) bar.style.width = 50 + Math.round((s.done / s.total) * 50) + "%";
        status.textContent = "正在读取文件（" + s.done + "/" + s.total + "）……";
      },
      (s) => {
        bar.style.width = "100%";
        window.location.href = s.result;
      },
      (msg) => {
        problem.hidden = false;
        problem.textContent = msg;
        status.textContent = "";
      }
    );
  };
  xhr.onerror = () => {
    problem.hidden = false;
    problem.textContent = "上传失败：与服务的连接中断";
  };
  xhr.send(form);
}

document.addEventListener("DOMContentLoaded", () => {
  const drop = document.getElementById("drop");
  if (drop) {
    ["dragenter", "dragover"].forEach((ev) =>
      drop.addEventListener(ev, (e) => {
        e.preventDefault();
        drop.classList.add("over");
      })
    );
    ["dragleave", "drop"].forEach((ev) => drop.addEventListener(ev, () => drop.classList.remove("over")));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      const entries = Array.from(e.dataTransfer.items || [])
        .map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null))
        .filter((x) => x);
      if (entries.some((x) => x.isDirectory)) {
        // A dropped folder: its files, all the way down.
        Promise.all(entries.map(filesOf)).then((lists) => upload(lists.flat()));
      } else {
        upload(e.dataTransfer.files);
      }
    });
    for (const id of ["files", "folder"]) {
      const input = document.getElementById(id);
      if (input) input.addEventListener("change", () => upload(input.files));
    }
  }
  const msg = document.getElementById("job-message");
  if (msg) {
    poll(
      msg.dataset.job,
      (s) => (msg.textContent = s.message),
      () => window.location.replace(msg.dataset.back),
      (m) => {
        msg.textContent = "核算失败：" + m;
        msg.className = "error";
      }
    );
  }
  for (const sel of document.querySelectorAll("select.autosubmit")) {
    sel.addEventListener("change", () => {
      const url = new URL(window.location.href);
      url.searchParams.set("as_of", sel.value);
      url.searchParams.delete("page");
      window.location.href = url.toString();
    });
  }
});
