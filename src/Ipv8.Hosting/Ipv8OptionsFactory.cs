using Microsoft.Extensions.Options;

namespace Ipv8.Hosting;

/// <summary>
/// Builds <see cref="Ipv8Options"/> as the options system does (configure, post-configure, validate), and turns a
/// failed validation (a value out of range, from <see cref="Ipv8OptionsValidator"/> or any validator a program added)
/// into the refusal every other reason a node cannot start gets (<see cref="Ipv8OptionsValidator.Refuse"/>): one line
/// naming each setting, its value and what it may be, and no stack trace where the host logs it or the runtime prints it.
/// </summary>
internal sealed class Ipv8OptionsFactory(
    IEnumerable<IConfigureOptions<Ipv8Options>> setups,
    IEnumerable<IPostConfigureOptions<Ipv8Options>> postConfigures,
    IEnumerable<IValidateOptions<Ipv8Options>> validations) : IOptionsFactory<Ipv8Options>
{
    private readonly OptionsFactory<Ipv8Options> _inner = new(setups, postConfigures, validations);

    public Ipv8Options Create(string name)
    {
        try
        {
            return _inner.Create(name);
        }
        catch (OptionsValidationException ex) when (ex is not Ipv8RefusedException)
        {
            throw Ipv8OptionsValidator.Refuse($"{string.Join("; ", ex.Failures.Select(f => f.Trim().TrimEnd('.')))}.");
        }
    }
}
