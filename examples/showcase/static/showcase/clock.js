// The live clock: the server pushes the time every second over Server-Sent Events.
const clock = document.getElementById("clock");
const source = new EventSource("events/");
source.addEventListener("tick", (event) => {
  clock.textContent = JSON.parse(event.data).time;
});
source.onerror = () => { clock.textContent = "reconnecting…"; };
