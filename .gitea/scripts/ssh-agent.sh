#!/usr/bin/env bash
# Sourced (so the agent reaches the commands after it): loads the deploy key from the runner's secret store into an agent and pins the manager's host key, for the
# Docker provider's ssh:// connection (step 3). The key never touches the disk or the log.
set -eu
: "${SSH_PRIVATE_KEY:?the runner secret DEPLOY_SSH_PRIVATE_KEY is not set}"
: "${SSH_KNOWN_HOSTS:?the runner secret DEPLOY_SSH_KNOWN_HOSTS is not set}"
mkdir -p ~/.ssh && chmod 700 ~/.ssh
printf '%s\n' "$SSH_KNOWN_HOSTS" > ~/.ssh/known_hosts
if [ -z "${SSH_AUTH_SOCK:-}" ] || ! ssh-add -l >/dev/null 2>&1; then
  eval "$(ssh-agent -s -a "${RUNNER_TEMP:-/tmp}/ssh-agent.sock")" >/dev/null
fi
printf '%s\n' "$SSH_PRIVATE_KEY" | ssh-add - >/dev/null
# Later steps of the job find the agent through the runner's env file.
if [ -n "${GITHUB_ENV:-}" ]; then echo "SSH_AUTH_SOCK=$SSH_AUTH_SOCK" >> "$GITHUB_ENV"; fi
