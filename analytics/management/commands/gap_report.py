import json

from django.core.management.base import BaseCommand, CommandError

from analytics.selectors import round_latest_reportable
from analytics.services import NothingToReport, snapshot_compute
from surveys.models import Organization, Round


def fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


class Command(BaseCommand):
    help = (
        "Compute (or reuse) the gap report of an organization's survey round and print it. "
        "The latest round with a closed wave by default."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug")
        parser.add_argument("--wave", help="the survey round's label, e.g. 2026-08")
        parser.add_argument(
            "--json", action="store_true", help="print exactly the stored snapshot as JSON"
        )

    def handle(self, *args, organization: str, wave: str | None, **options) -> None:
        as_json = options["json"]
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f'No organization "{organization}".')
        if wave:
            round_ = Round.objects.filter(organization=org, label=wave).first()
            if round_ is None:
                known = ", ".join(
                    Round.objects.filter(organization=org).values_list("label", flat=True)
                )
                raise CommandError(f'No survey round "{wave}" (known: {known or "none"}).')
        else:
            round_ = round_latest_reportable(organization=org)
            if round_ is None:
                raise CommandError(f"{org.name} has no survey round with responses yet.")
        try:
            snapshot, created = snapshot_compute(organization=org, round_=round_)
        except NothingToReport as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(_dumps(snapshot.data))
            return
        self.stdout.write(self.summary(snapshot.data, created))

    def summary(self, data: dict, created: bool) -> str:
        lines = [
            f"Gap report: {data['organization_name']}, round {data['wave']} "
            f"(method {data['method_version']}, k = {data['min_group_size']}, "
            f"{'computed' if created else 'stored snapshot'})",
        ]
        sdi = data["self_deception_index"]
        lines.append(
            f"Self-deception index: {fmt(sdi['value'], 1)} over {sdi['n_values']} values "
            f"(trend: {', '.join(fmt(t['value'], 1) for t in sdi['trend'])})"
        )
        lines.append("")
        lines.append(
            f"{'value':<24} {'leaders':>7} {'empl.':>6} {'gap':>6} {'95% CI':>15} "
            f"{'delta':>6} {'q':>7}  class"
        )
        for e in data["stated_vs_lived"]:
            if e["segment"] != "all":
                continue
            ci = f"[{fmt(e['gap_ci'][0])}, {fmt(e['gap_ci'][1])}]" if e["gap_ci"] else "–"
            flag = e["classification"] + (f" ({e['severity']})" if e["severity"] else "")
            if e["tags"]:
                flag += " +" + ",".join(e["tags"])
            lines.append(
                f"{e['value']:<24} {fmt(e['leader_mean']):>7} {fmt(e['employee_mean']):>6} "
                f"{fmt(e['gap']):>6} {ci:>15} {fmt(e['cliffs_delta']):>6} "
                f"{fmt(e['q_value'], 4):>7}  {flag}"
            )
        lines.append("")
        lines.append(f"Calibration MAE: {fmt(data['calibration_mae'], 1)} points")
        enps = data["enps"]
        if enps.get("score") is not None:
            lines.append(
                f"eNPS: {fmt(enps['score'], 0)} [{fmt(enps['ci'][0], 0)}, "
                f"{fmt(enps['ci'][1], 0)}] (n = {enps['n']})"
            )
        top = list(data["priorities"])[:3]
        if top:
            lines.append("Look first at: " + ", ".join(p["value"] for p in top))
        return "\n".join(lines)


def _dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
