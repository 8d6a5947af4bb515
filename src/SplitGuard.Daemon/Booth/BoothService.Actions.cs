using SplitGuard.Core.Tickets;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Daemon.Booth;

public sealed partial class BoothService
{
    private readonly Dictionary<string, Task> _cibWrites = [];

    /// <summary>Carries out the engine's actions, on the loop.</summary>
    private void Apply(IReadOnlyList<TicketAction> actions)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case SendAction s:
                    foreach (var m in Config.Members)
                    {
                        if (m.Index != Local.Index && (s.To is null || s.To == m.Index))
                        {
                            SendTo(m.Index, s.Message, s.Resend);
                        }
                    }

                    break;
                case ClientReplyAction r:
                    if (_clients.TryGetValue(r.RequestId, out var connection))
                    {
                        connection.Send(Sign(r.Message), r.Final);
                        if (r.Final)
                        {
                            _clients.Remove(r.RequestId);
                        }

                        BoothLog.Client(_logger, connection.Remote, FourCc.Text((uint)r.Message.Request), r.Message.Ticket, FourCc.Text((uint)r.Message.Result));
                    }

                    break;
                case RunHandlerAction h:
                    RunHandler(h);
                    break;
                case CibWriteAction w:
                    WriteCib(w);
                    break;
                case TicketLogAction l:
                    BoothLog.Ticket(_logger, l.Ticket, l.Text);
                    break;
            }
        }
    }

    private void RunHandler(RunHandlerAction h)
    {
        var token = _stop.Token;
        var expires = DateTimeOffset.UtcNow.AddMilliseconds(h.ExpiresInMs).ToUnixTimeSeconds();
        var env = BoothHandlerRunner.Environment(h.Ticket, Local.Address.ToString(), Config.Name, ConfigPath, expires);
        var timeout = TimeSpan.FromMilliseconds(Math.Max(1000, Config.Ticket(h.Ticket)?.TimeoutMs * 2 ?? 10_000));
        _ = Task.Run(async () =>
        {
            var code = await BoothHandlerRunner.RunAsync(h.Command, env, timeout, token).ConfigureAwait(false);
            BoothLog.Handler(_logger, h.Ticket, h.Command, code);
            Post(() => Apply(Engine.HandlerDone(h.Ticket, code == 0, NowMs)));
        }, token);
    }

    /// <summary>Writes run one at a time per ticket, in order; failures are logged and ignored, as booth does.</summary>
    private void WriteCib(CibWriteAction w)
    {
        if (_crmTicket is not { } crm)
        {
            return;
        }

        var token = _stop.Token;
        var expires = DateTimeOffset.UtcNow.AddMilliseconds(w.ExpiresInMs).ToUnixTimeSeconds();
        var previous = _cibWrites.GetValueOrDefault(w.Ticket, Task.CompletedTask);
        _cibWrites[w.Ticket] = Task.Run(async () =>
        {
            await previous.ConfigureAwait(false);
            var (code, output) = await crm.WriteAsync(w.Ticket, w.Granted, w.Owner, expires, w.Term, token).ConfigureAwait(false);
            if (code != 0)
            {
                BoothLog.CrmTicketFailed(_logger, $"-t {w.Ticket} {(w.Granted ? "-g" : "-r")}", $"exit {code}: {output.Trim()}");
            }
        }, token);
    }

    /// <summary>A snapshot of the counters (for tests and status).</summary>
    public IReadOnlyList<BoothPeerCounters> Counters => _counters;

    /// <summary>booth's peers text.</summary>
    public string PeersText() => BoothText.Peers(Config, Local, _counters);
}
