"""Learning from outcomes: conversion estimates, models, off-policy evaluation (numpy)."""
