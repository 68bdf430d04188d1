"""Writes the day's report as markdown beside the script (reports/<run_date>.md) and prints it."""
import os
import sys

run_date, valid_rows, revenue = sys.argv[1], sys.argv[2], sys.argv[3]
lines = [
    f"# Daily sales {run_date}",
    "",
    f"- orders kept: {valid_rows}",
    f"- revenue: {float(revenue):,.2f}",
    f"- weir run: {os.environ.get('WEIR_RUN_ID', '?')}",
]
folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reports")
os.makedirs(folder, exist_ok=True)
path = os.path.join(folder, f"{run_date}.md")
with open(path, "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
print(f"report written to {os.path.normpath(path)}")
