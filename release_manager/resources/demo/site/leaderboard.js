// Fills the leaderboard table from leaderboard.json, written at build time.
fetch("leaderboard.json")
  .then((response) => response.json())
  .then((entries) => {
    const body = document.querySelector("#leaderboard tbody");
    for (const entry of entries) {
      const row = body.insertRow();
      for (const value of [entry.rank, entry.player, entry.points]) {
        row.insertCell().textContent = value;
      }
    }
  });
