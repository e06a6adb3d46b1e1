using Ipv8.Cli;
using Ipv8.Cli.Hosting;

Shutdown.CatchEarly(args);
return CliApp.Run(args, Console.Out, Console.Error);
