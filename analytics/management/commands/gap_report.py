import json

from django.core.management.base import BaseCommand, CommandError

from analytics.report import format as fmt
from analytics.selectors import round_latest_reportable
from analytics.services import AnalysisRefused, NothingToReport, snapshot_compute
from surveys.models import Organization, Round


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
        parser.add_argument(
            "--recompute",
            action="store_true",
            help=(
                "compute a published round again under the current method version, on the same "
                "answers (refused if any group's n would change); earlier snapshots are kept"
            ),
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
            snapshot, created = snapshot_compute(
                organization=org, round_=round_, recompute=options["recompute"]
            )
        except (NothingToReport, AnalysisRefused) as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(_dumps(snapshot.data))
            return
        self.stdout.write(self.summary(snapshot.data, created))

    def summary(self, data: dict, created: bool) -> str:
        """A short text summary, its figures shown as the report page shows them."""
        lines = [
            f"Gap report: {data['organization_name']}, round {data['wave']} "
            f"(method {data['method_version']}, k = {data['min_group_size']}, "
            f"{'computed' if created else 'stored snapshot'})",
        ]
        sdi = data["self_deception_index"]
        lines.append(
            f"Self-deception index: {fmt.format_pct(sdi['value'])} over {sdi['n_values']} values "
            f"(trend: {', '.join(fmt.format_pct(t['value']) for t in sdi['trend'])})"
        )
        lines.append("")
        lines.append(
            f"{'value':<24} {'leaders':>7} {'empl.':>6} {'gap':>6} {'95% interval':>15} "
            f"{'delta':>6} {'q':>7}  class"
        )
        for e in data["stated_vs_lived"]:
            if e["segment"] != "all":
                continue
            interval = fmt.format_interval(e["gap_ci"], fmt.format_mean, signed=True)
            lines.append(
                f"{e['value']:<24} {fmt.format_mean(e['leader_mean']):>7} "
                f"{fmt.format_mean(e['employee_mean']):>6} "
                f"{fmt.format_mean(e['gap'], signed=True):>6} {interval:>15} "
                f"{fmt.format_effect(e['cliffs_delta'], signed=True):>6} "
                f"{fmt.format_p(e['q_value']):>7}  "
                f"{fmt.class_text(e['classification'], e['severity'], e['tags'])}"
            )
        lines.append("")
        lines.append(f"Calibration error: {fmt.format_pct(data['calibration_mae'])} points")
        enps = data["enps"]
        if enps.get("score") is not None:
            interval = fmt.format_interval(enps["ci"], fmt.format_pct, signed=True)
            lines.append(
                f"eNPS: {fmt.format_pct(enps['score'], signed=True)} "
                f"(95% interval {interval}, n = {enps['n']})"
            )
        top = list(data["priorities"])[:3]
        if top:
            lines.append("Look first at: " + ", ".join(p["value"] for p in top))
        return "\n".join(lines)


def _dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
