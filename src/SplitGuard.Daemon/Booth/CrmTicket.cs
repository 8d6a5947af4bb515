using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SplitGuard.Core.Tickets;

namespace SplitGuard.Daemon.Booth;

/// <summary>
/// Pacemaker's <c>crm_ticket</c>, used the way booth uses it (docs/booth.md section 8) when it is on the PATH: load
/// a ticket at start (<c>-t T -q</c>) and record grants and revokes (<c>-t T -g|-r --force -S owner -v.. -S expires
/// -v.. -S term -v..</c>). Failures are logged and ignored, as booth does.
/// </summary>
public sealed partial class CrmTicket(string path)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public string Path { get; } = path;

    /// <summary>crm_ticket on PATH, or null.</summary>
    public static CrmTicket? Find()
    {
        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, "crm_ticket");
            if (File.Exists(candidate))
            {
                return new CrmTicket(candidate);
            }
        }

        return null;
    }

    /// <summary>The ticket's CIB state, or null when there is none (or crm_ticket failed).</summary>
    public async Task<CibTicketState?> LoadAsync(string ticket, long nowEpochMs, CancellationToken cancellationToken)
    {
        var (code, output) = await RunAsync(["-t", ticket, "-q"], cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            return null;
        }

        var match = TicketState().Match(output);
        if (!match.Success)
        {
            return null;
        }

        string? Attr(string name)
        {
            var m = Regex.Match(match.Value, $"\\b{name}=\"([^\"]*)\"", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return m.Success ? m.Groups[1].Value : null;
        }

        var granted = Attr("granted") == "true";
        var owner = long.TryParse(Attr("owner"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var o) ? o : 0;
        var term = uint.TryParse(Attr("term"), NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : 0;
        var expires = long.TryParse(Attr("expires"), NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : 0;
        return new CibTicketState(granted, owner, term, Math.Max(0, (expires * 1000) - nowEpochMs));
    }

    /// <summary>Records a grant (<paramref name="granted"/>) or a revoke with owner, expiry and term.</summary>
    public Task<(int Code, string Output)> WriteAsync(string ticket, bool granted, long owner, long expiresEpoch, uint term, CancellationToken cancellationToken) =>
        RunAsync(
            ["-t", ticket, granted ? "-g" : "-r", "--force",
                "-S", "owner", "-v" + owner.ToString(CultureInfo.InvariantCulture),
                "-S", "expires", "-v" + expiresEpoch.ToString(CultureInfo.InvariantCulture),
                "-S", "term", "-v" + term.ToString(CultureInfo.InvariantCulture)],
            cancellationToken);

    private async Task<(int Code, string Output)> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(Path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LC_ALL"] = "C";
        try
        {
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("not started");
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(Timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-1, "timed out");
            }

            return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (-1, e.Message);
        }
    }

    [GeneratedRegex("<ticket_state\\b[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex TicketState();
}
